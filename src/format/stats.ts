import type { ChalkInstance } from "chalk";
import type { Stats } from "../model/report.js";
import { type Cell, alignColumns } from "./columns.js";
import { headingCells } from "./style.js";

/**
 * `tcpstat stats`, grouped like `netstat -s`, with nstat names so values can be compared:
 *
 *   Listen queues
 *     accept queue full: completed handshakes dropped   TcpExtListenOverflows   12   0.5/s
 */
export function* renderStats(stats: Stats, chalk: ChalkInstance): Iterable<string> {
  const rates = stats.intervalSeconds !== null;
  if (rates) yield `Rates per second over ${stats.intervalSeconds} s\n\n`;
  const groups = new Map<string, Stats["counters"]>();
  for (const entry of stats.counters) {
    const list = groups.get(entry.group) ?? [];
    list.push(entry);
    groups.set(entry.group, list);
  }
  // Counter names and labels are the kernel's and ours: plain ASCII, so widths are lengths.
  const head = headingCells(chalk, ["", "Counter", "Value", ...(rates ? ["Per second"] : [])]);
  // Every section aligned as one table, then cut: the columns stay put from section to section.
  const rows: Cell[][] = [];
  for (const entries of groups.values()) {
    rows.push(head);
    for (const e of entries) {
      const row: Cell[] = [{ text: e.label === e.name ? "" : e.label }, { text: e.name }, { text: String(e.value) }];
      if (rates) row.push(e.perSecond === null ? { text: "-" } : e.perSecond === 0 ? { text: "0" } : { text: String(e.perSecond), paint: (t) => chalk.yellow(t) });
      rows.push(row);
    }
  }
  const lines = alignColumns(rows, ["left", "left", "right", "right"]).split("\n");
  let at = 0;
  for (const [group, entries] of groups) {
    const table = lines.slice(at, at + entries.length + 1).join("\n");
    at += entries.length + 1;
    yield `${chalk.bold(group)}\n${table.replace(/^/gm, "  ")}\n\n`;
  }
}
