import type { ChalkInstance } from "chalk";
import { STATE_MEANING, paint } from "../../format/style.js";
import type { TcpState } from "../../model/state.js";
import { fitToScreen } from "../watch.js";
import { availableColumns, layoutCells, placeColumns, type Placed } from "./columns.js";
import { formatMs, formatRate, formatSeconds, holderText, localText, remoteText, stateText } from "./format.js";
import { groupRows } from "./groups.js";
import { renderDetails, renderHelp } from "./render-panels.js";
import type { TopRow, TopView } from "./view.js";

/**
 * The whole screen as lines, pure: the header (totals, transitions a second, refresh cost,
 * busiest processes), the filter line, the table or a panel (help, details), a message or
 * question, and the footer. Each line fits `width` (never wraps), and there are at most
 * `height` of them. Only the rows on screen are laid out, whatever the table's size.
 */
export interface Screen {
  width: number;
  height: number;
  chalk: ChalkInstance;
}

/** The keys of the footer, in the order shown; a narrow screen leaves out the last first (? lists them all). */
const FOOTER_KEYS: ReadonlyArray<readonly [text: string, keep: number]> = [
  ["? help", 10], ["/ filter", 9], ["1-9 < > sort", 4], ["i reverse", 2], ["g group", 6], ["Enter details", 7], ["c close", 5], ["k kill", 5], ["r resolve", 3], ["p pause", 8], ["q quit", 10],
];

/** The one-line footer, as many keys as fit in `width` (two spaces apart, else one). */
export function footer(width: number): string {
  for (const gap of ["  ", " "]) {
    const kept = [...FOOTER_KEYS];
    for (;;) {
      const text = kept.map(([t]) => t).join(gap);
      if (text.length <= width) return text;
      if (kept.length === 2) break;
      // The key least needed goes; the rest stay in their order.
      let low = 0;
      for (let i = 1; i < kept.length; i++) if (kept[i]![1] < kept[low]![1]) low = i;
      kept.splice(low, 1);
    }
  }
  return "? help  q quit".slice(0, width);
}

/** Lines above the table and below it, so the session knows how many rows a page holds. */
export function tableRows(view: TopView, height: number): number {
  const above = 2 + (view.filter.typing || view.filter.text !== "" ? 1 : 0) + 1;
  const below = 1 + (view.message !== null || view.panel.kind === "close" || view.panel.kind === "kill" ? 1 : 0);
  return Math.max(1, height - above - below);
}

export function renderScreen(view: TopView, shown: readonly TopRow[], screen: Screen): string[] {
  const { chalk, width, height } = screen;
  const lines: string[] = [...renderHeader(view, chalk)];
  if (view.filter.typing || view.filter.text !== "") lines.push(filterLine(view, shown.length, chalk));
  const room = tableRows(view, height) + 1;
  if (view.panel.kind === "help") lines.push(...renderHelp(chalk).slice(0, room));
  else if (view.panel.kind === "details") lines.push(...renderDetails(view.panel, chalk, width).slice(view.panel.offset, view.panel.offset + room));
  else if (view.group !== null) lines.push(...renderGroups(view, shown, chalk, room, width));
  else lines.push(...renderTable(view, shown, screen, room));
  const bottom = bottomLines(view, width);
  lines.length = Math.min(lines.length, Math.max(0, height - bottom.length));
  while (lines.length < height - bottom.length) lines.push("");
  lines.push(...bottom.map((l) => l(chalk)));
  const text = fitToScreen(lines.slice(0, height).join("\n"), width, height + 1);
  return text.split("\n");
}

function bottomLines(view: TopView, width: number): Array<(chalk: ChalkInstance) => string> {
  const out: Array<(chalk: ChalkInstance) => string> = [];
  const p = view.panel;
  if (p.kind === "close") {
    const r = p.row.record;
    out.push((c) => c.bold.inverse(`Close ${r.proto} ${localText(r)} -> ${remoteText(r)} (${stateText(r)}, ${holderText(r)})? y/n`));
  } else if (p.kind === "kill") {
    out.push((c) => c.bold.inverse(`${p.note ?? ""}Send ${p.signal} to process ${p.pid} (${p.name})? y/n`));
  } else if (view.message !== null) {
    const m = view.message;
    out.push((c) => c.bold(m));
  }
  out.push((c) => c.dim(footer(width)));
  return out;
}

function renderHeader(view: TopView, chalk: ChalkInstance): string[] {
  const t = view.totals;
  const states = Object.entries(t.byState)
    .sort((a, b) => b[1] - a[1])
    .map(([s, n]) => (s === "UDP" ? `UDP ${n}` : paint(chalk, STATE_MEANING[s as TcpState], `${s} ${n}`)));
  const first = `${chalk.bold("tcpstat top")}  ${t.sockets} sockets  ${states.join("  ")}`;
  const trace = t.transitionsPerSecond !== null ? `${t.transitionsPerSecond.toFixed(1)} transitions/s` : `transitions/s: ${t.traceNote ?? "off"}`;
  const r = view.refresh;
  const every = r.effectiveMs > r.intervalMs ? `every ${formatSeconds(r.effectiveMs)} (slowed from ${formatSeconds(r.intervalMs)})` : `every ${formatSeconds(r.intervalMs)}`;
  const busiest = t.busiest.length === 0 ? "none moving bytes" : t.busiest.map((b) => `${b.name} ${formatRate(b.bps)}B/s`).join("  ");
  const paused = view.paused ? `${chalk.inverse(" PAUSED ")}  ` : "";
  const behind = view.behind.length === 0 ? "" : `  ${chalk.dim(view.behind.join("  "))}`;
  // What a narrow screen must still show comes first: paused, then the refresh.
  const second = `${paused}refresh ${formatMs(r.costMs)} ms ${every}  ${trace}  busiest: ${busiest}${behind}`;
  return [first, second];
}

function filterLine(view: TopView, count: number, chalk: ChalkInstance): string {
  const f = view.filter;
  const cursor = f.typing ? chalk.inverse(" ") : "";
  const tail = f.error !== null ? chalk.red(`  ${f.error}`) : chalk.dim(`  ${count} row${count === 1 ? "" : "s"}${f.typing ? " (Enter: keep, Esc: clear)" : ""}`);
  return `Filter: ${f.text}${cursor}${tail}`;
}

function renderTable(view: TopView, shown: readonly TopRow[], screen: Screen, room: number): string[] {
  const { chalk, width } = screen;
  const page = shown.slice(view.top, view.top + room - 1);
  const placed = placeColumns(availableColumns(view.rows), page, width - 2);
  const heads = placed.map((p) => (p.column.id === view.sort.column ? `${p.column.heading}${sortArrow(view, p)}` : p.column.heading));
  const lines = [chalk.bold(`  ${layoutCells(placed, heads)}`)];
  for (const row of page) lines.push(renderRow(row, placed, row.key === view.selected, chalk));
  if (shown.length === 0) lines.push(chalk.dim(view.filter.match ? "  no connection matches the filter" : "  no sockets"));
  return lines;
}

/** Descending "▼" (the numbers' natural order: largest first), ascending "▲". */
function sortArrow(view: TopView, p: Placed): string {
  const descending = (p.column.align === "right") !== view.sort.reverse;
  return descending ? "▼" : "▲";
}

const LEAD = { new: "+", changed: "~", gone: "-" } as const;

function renderRow(row: TopRow, placed: readonly Placed[], selected: boolean, chalk: ChalkInstance): string {
  const cells = placed.map((p) => layoutCells([p], [p.column.text(row)]));
  let line: string;
  if (row.mark === "new") line = chalk.green(cells.join("  "));
  else if (row.mark === "changed") line = chalk.yellow(cells.join("  "));
  else if (row.mark === "gone") line = chalk.red(cells.join("  "));
  else {
    // States coloured as in the table: the state cell alone.
    const i = placed.findIndex((p) => p.column.id === "state");
    const state = row.record.state;
    if (i >= 0 && state !== null) cells[i] = paint(chalk, STATE_MEANING[state], cells[i]!);
    line = cells.join("  ");
  }
  const lead = `${selected ? ">" : " "}${row.mark ? LEAD[row.mark] : " "}`;
  return selected ? chalk.inverse(`${lead}${line}`) : `${lead}${line}`;
}

function renderGroups(view: TopView, shown: readonly TopRow[], chalk: ChalkInstance, room: number, width: number): string[] {
  const groups = groupRows(shown, view.group!, view.rows);
  const labelWidth = Math.max(10, Math.min(width - 30, Math.max(...groups.map((g) => g.label.length), 5)));
  const head = `  ${`By ${view.group}`.padEnd(labelWidth)}  ${"Count".padStart(6)}  ${"Sent/s".padStart(7)}  ${"Recv/s".padStart(7)}`;
  const lines = [chalk.bold(head)];
  const start = Math.min(view.top, Math.max(0, groups.length - (room - 1)));
  for (const g of groups.slice(start, start + room - 1))
    lines.push(`  ${g.label.slice(0, labelWidth).padEnd(labelWidth)}  ${String(g.count).padStart(6)}  ${formatRate(g.sentBps).padStart(7)}  ${formatRate(g.recvBps).padStart(7)}`);
  return lines;
}
