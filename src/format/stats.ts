import Table from "cli-table3";
import type { ChalkInstance } from "chalk";
import type { Stats } from "../model/report.js";
import { paintHeader } from "./style.js";

const BORDERLESS = {
  top: "", "top-mid": "", "top-left": "", "top-right": "",
  bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
  left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "",
  middle: "  ",
};

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
  for (const [group, entries] of groups) {
    const head = ["", "Counter", "Value"];
    if (rates) head.push("Per second");
    const table = new Table({
      head: head.map((h) => paintHeader(chalk, h)),
      chars: BORDERLESS,
      colAligns: ["left", "left", "right", "right"],
      style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
    });
    for (const e of entries) {
      const row = [e.label === e.name ? "" : e.label, e.name, String(e.value)];
      if (rates) row.push(e.perSecond === null ? "-" : e.perSecond === 0 ? "0" : chalk.yellow(String(e.perSecond)));
      table.push(row);
    }
    yield `${chalk.bold(group)}\n${table.toString().replace(/^/gm, "  ")}\n\n`;
  }
}
