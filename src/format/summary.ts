import type { ChalkInstance } from "chalk";
import { statesInUse } from "../lib/summarize.js";
import { escapeControl } from "../lib/safe-text.js";
import type { Summary, SummaryGroup } from "../model/report.js";
import { TCP_STATES } from "../model/state.js";
import { alignColumns, type Cell, type Width } from "./columns.js";
import { STATE_MEANING, headingCells, paint } from "./style.js";

export interface SummaryRenderContext {
  chalk: ChalkInstance;
  /** The previous frame of --watch: counts show their change since then. */
  previous?: Summary;
  /** UDP was asked for (-u): show its line even when zero. */
  udp?: boolean;
  /** Columns on screen of a group's name: needed only when a name is not plain ASCII. */
  width?: Width;
}


/** "+3" in yellow for a rise, "-2" in cyan for a fall, "" when unchanged or with no previous frame. */
function delta(chalk: ChalkInstance, now: number, before: number | undefined): Cell {
  if (before === undefined || before === now) return { text: "" };
  const d = now - before;
  return d > 0 ? { text: `+${d}`, paint: (t) => chalk.yellow(t) } : { text: String(d), paint: (t) => chalk.cyan(t) };
}

const deltaText = (chalk: ChalkInstance, now: number, before: number | undefined) => {
  const d = delta(chalk, now, before);
  return d.paint ? d.paint(d.text) : d.text;
};

/**
 * The summary table:
 *
 *   Total: 14 sockets (TCP 12, UDP 2; IPv4 10, IPv6 4)
 *
 *   State        Count
 *   ESTABLISHED      4
 *   TIME_WAIT        6
 *   ...
 *   UDP              2  (connected 1, unconnected 1)
 */
export function* renderSummary(summary: Summary, ctx: SummaryRenderContext): Iterable<string> {
  const { chalk, previous } = ctx;
  yield `Total: ${summary.total} socket${summary.total === 1 ? "" : "s"} (TCP ${summary.tcp.total}, UDP ${summary.udp.total}; IPv4 ${summary.families.ipv4}, IPv6 ${summary.families.ipv6})` +
    (previous ? ` ${deltaText(chalk, summary.total, previous.total)}` : "") +
    "\n\n";
  const withDelta = previous !== undefined;
  const table: Cell[][] = [headingCells(chalk, withDelta ? ["State", "Count", "Change"] : ["State", "Count"])];
  const dim = (t: string) => chalk.dim(t);
  for (const state of TCP_STATES) {
    const n = summary.tcp.states[state];
    const row: Cell[] = [
      { text: state, paint: n === 0 ? dim : (t) => paint(chalk, STATE_MEANING[state], t) },
      n === 0 ? { text: "0", paint: dim } : { text: String(n) },
    ];
    if (withDelta) row.push(delta(chalk, n, previous.tcp.states[state]));
    table.push(row);
  }
  const showUdp = ctx.udp || summary.udp.total > 0;
  if (showUdp) {
    const udpRow: Cell[] = [{ text: "UDP" }, { text: String(summary.udp.total) }];
    if (withDelta) udpRow.push(delta(chalk, summary.udp.total, previous.udp.total));
    table.push(udpRow);
  }
  yield `${alignColumns(table, ["left", "right", "right"])}\n`;
  if (showUdp) yield `UDP: ${summary.udp.connected} connected, ${summary.udp.unconnected} unconnected\n`;

  const by = summary.by;
  if (!by) return;
  const columns = statesInUse(by.top);
  const hasUdp = by.top.some((g) => g.udp > 0);
  const withNetns = by.top.some((g) => g.netns !== undefined);
  const head = [by.key === "process" ? "PID/Program" : by.key[0]!.toUpperCase() + by.key.slice(1), "Total", ...columns];
  if (withNetns) head.unshift("Netns");
  if (hasUdp) head.push("UDP");
  const groups: Cell[][] = [headingCells(chalk, head)];
  const id = (g: SummaryGroup) => `${g.netns?.inode ?? ""}/${g.key}`;
  const before = new Map(previous?.by?.top.map((g) => [id(g), g.count]));
  for (const g of by.top) {
    const change = previous ? delta(chalk, g.count, before.get(id(g)) ?? 0) : { text: "" };
    // "12 +3": the count, then its change painted apart (measured without the colour).
    const total: Cell = change.text === "" ? { text: String(g.count) } : { text: `${g.count} ${change.text}`, paint: (t) => `${t.slice(0, -change.text.length)}${change.paint!(change.text)}` };
    const row: Cell[] = [{ text: escapeControl(g.key) }, total, ...columns.map((s) => ({ text: String(g.states[s] ?? 0) }))];
    if (withNetns) row.unshift({ text: escapeControl(g.netns ? (g.netns.name ?? `net:[${g.netns.inode}]`) : "-") });
    if (hasUdp) row.push({ text: String(g.udp) });
    groups.push(row);
  }
  yield `\nBy ${by.key} (top ${by.top.length} of ${by.top.length + by.rest.groups})\n`;
  yield `${alignColumns(groups, [...(withNetns ? ["left" as const] : []), "left", ...head.slice(withNetns ? 2 : 1).map(() => "right" as const)], ctx.width)}\n`;
  if (by.rest.groups > 0)
    yield `... and ${by.rest.groups} more group${by.rest.groups === 1 ? "" : "s"} with ${by.rest.count} socket${by.rest.count === 1 ? "" : "s"}\n`;
  if (by.shared) yield `${by.shared === 1 ? "1 socket is" : `${by.shared} sockets are`} held by several processes: each counted once, under the process shown\n`;
}

/**
 * One line for monitoring scripts and logs, key=value, every state always present:
 *
 *   2026-11-21T10:00:00.000Z total=14 tcp=12 ESTABLISHED=4 SYN_SENT=0 ... CLOSING=0 udp=2
 *
 * With --by, the groups follow: `by=port 22=5 443=3 rest=4`.
 */
export function renderSummaryOneline(summary: Summary): string {
  const parts = [summary.time, `total=${summary.total}`, `tcp=${summary.tcp.total}`];
  for (const s of TCP_STATES) parts.push(`${s}=${summary.tcp.states[s]}`);
  parts.push(`udp=${summary.udp.total}`);
  if (summary.by) {
    parts.push(`by=${summary.by.key}`);
    for (const g of summary.by.top) {
      const where = g.netns ? `${g.netns.name ?? `net:[${g.netns.inode}]`}/` : "";
      parts.push(`${escapeControl(`${where}${g.key}`).replace(/\s/g, "_")}=${g.count}`);
    }
    parts.push(`rest=${summary.by.rest.count}`);
  }
  return `${parts.join(" ")}\n`;
}
