import { protoText } from "../../format/table.js";
import { compareAddressText } from "../../lib/endpoint.js";
import { safeText } from "../../lib/safe-text.js";
import { HOLDERS_PENDING, formatRate, holderText, localText, remoteText, stateText } from "./format.js";
import { extraText, type ColumnId, type TopRow } from "./view.js";

/**
 * The connection table's columns: heading, alignment, how much room they want, what to sort
 * by, and a priority: a narrow terminal drops the lowest first (never wraps a row).
 */
export interface Column {
  id: ColumnId;
  heading: string;
  align: "left" | "right";
  /** Higher stays longer when the terminal is narrow. */
  priority: number;
  /** Widest a cell may grow (longer text is cut). */
  max: number;
  /** Narrowest it may be cut to before a column of lower priority is dropped (none: its full width). */
  min?: number;
  text: (row: TopRow) => string;
  /** Ascending order of two rows by this column. */
  compare: (a: TopRow, b: TopRow) => number;
  /** Numeric columns: the number sorted on (-1 for none), read once a row when sorting. */
  value?: (row: TopRow) => number;
}

const byNumber = (f: (r: TopRow) => number | null) => ({ compare: (a: TopRow, b: TopRow) => (f(a) ?? -1) - (f(b) ?? -1), value: (r: TopRow) => f(r) ?? -1 });
const byText = (f: (r: TopRow) => string) => (a: TopRow, b: TopRow) => (f(a) < f(b) ? -1 : f(a) > f(b) ? 1 : 0);
const byEndpoint = (side: "local" | "remote") => (a: TopRow, b: TopRow) => {
  const ra = a.record;
  const rb = b.record;
  const aa = side === "local" ? ra.localAddress : (ra.remoteAddress ?? "");
  const ab = side === "local" ? rb.localAddress : (rb.remoteAddress ?? "");
  if (aa !== ab) return compareAddressText(aa, ab);
  return (side === "local" ? ra.localPort - rb.localPort : (ra.remotePort ?? -1) - (rb.remotePort ?? -1));
};

const holderCell = (r: TopRow): string => (r.holdersPending ? HOLDERS_PENDING : holderText(r.record));

export const COLUMNS: readonly Column[] = [
  { id: "proto", heading: "Proto", align: "left", priority: 3, max: 5, text: (r) => protoText(r.record), compare: byText((r) => protoText(r.record)) },
  { id: "local", heading: "Local Address", align: "left", priority: 9, max: 47, text: (r) => localText(r.record), compare: byEndpoint("local") },
  { id: "remote", heading: "Remote Address", align: "left", priority: 8, max: 47, text: (r) => remoteText(r.record), compare: byEndpoint("remote") },
  { id: "state", heading: "State", align: "left", priority: 10, max: 11, text: (r) => stateText(r.record), compare: byText((r) => stateText(r.record)) },
  { id: "sent", heading: "Sent/s", align: "right", priority: 7, max: 7, text: (r) => rateCell(r, r.sentBps), ...byNumber((r) => r.sentBps) },
  { id: "recv", heading: "Recv/s", align: "right", priority: 7, max: 7, text: (r) => rateCell(r, r.recvBps), ...byNumber((r) => r.recvBps) },
  { id: "holder", heading: "PID/Program", align: "left", priority: 6, max: 28, min: 12, text: (r) => holderCell(r), compare: byText(holderCell) },
  { id: "recvQ", heading: "Recv-Q", align: "right", priority: 2, max: 8, text: (r) => String(r.record.recvQ ?? "-"), ...byNumber((r) => r.record.recvQ) },
  { id: "sendQ", heading: "Send-Q", align: "right", priority: 2, max: 8, text: (r) => String(r.record.sendQ ?? "-"), ...byNumber((r) => r.record.sendQ) },
  { id: "container", heading: "Container", align: "left", priority: 4, max: 20, text: (r) => safeText(extraText(r.record, "container") ?? "-"), compare: byText((r) => extraText(r.record, "container") ?? "") },
  { id: "unit", heading: "Unit", align: "left", priority: 4, max: 24, text: (r) => safeText(extraText(r.record, "unit") ?? "-"), compare: byText((r) => extraText(r.record, "unit") ?? "") },
];

/** Listeners and unconnected UDP move no bytes of their own: their rate cells stay empty. */
function rateCell(r: TopRow, bps: number | null): string {
  if (r.record.proto !== "tcp" || r.record.remotePort === null || r.record.state === "LISTEN") return "";
  return formatRate(bps);
}

export const columnById = (id: ColumnId): Column => COLUMNS.find((c) => c.id === id)!;

/** The columns this reading can fill: container and unit only when some row carries one (issue 19). */
const available = new WeakMap<readonly TopRow[], Column[]>();

export function availableColumns(rows: readonly TopRow[]): Column[] {
  let known = available.get(rows);
  if (!known) available.set(rows, (known = columnsOf(rows)));
  return known;
}

function columnsOf(rows: readonly TopRow[]): Column[] {
  let container = false;
  let unit = false;
  // A unit and a container are a process's (its cgroup): each holder shown is looked at once
  // (at 100k rows, 21 ms a refresh for every row against a few ms).
  const seen = new Set<number>();
  for (let i = 0; i < rows.length && !(container && unit); i++) {
    const r = rows[i]!.record;
    if (r.owners === undefined || r.pid === null || seen.has(r.pid)) continue;
    seen.add(r.pid);
    container ||= extraText(r, "container") !== null;
    unit ||= extraText(r, "unit") !== null;
  }
  return COLUMNS.filter((c) => (c.id !== "container" || container) && (c.id !== "unit" || unit));
}

/** A column laid out: its width on this screen. */
export interface Placed {
  column: Column;
  width: number;
}

const GAP = 2;

/**
 * Which columns fit in `width`, and how wide each is, from the rows on screen (never all of a
 * 100k table): the lowest priorities are dropped until the rest fit; the order stays the table's.
 *
 *   80 columns -> Local, Remote, State, Sent/s, Recv/s, PID/Program (Proto, queues dropped)
 */
export function placeColumns(columns: readonly Column[], visible: readonly TopRow[], width: number): Placed[] {
  const wants = columns.map((column) => {
    let w = column.heading.length + 1;
    for (const r of visible) w = Math.max(w, column.text(r).length);
    return { column, width: Math.min(w, Math.max(column.max, column.heading.length + 1)) };
  });
  const kept = [...wants];
  const total = () => kept.reduce((n, p) => n + p.width, 0) + GAP * Math.max(0, kept.length - 1) + 1;
  while (kept.length > 1 && total() > width) {
    let low = 0;
    for (let i = 1; i < kept.length; i++) if (kept[i]!.column.priority <= kept[low]!.column.priority) low = i;
    // Its turn to go: one that may be cut (the holder, "2502/nginx +3" to "2502/nginx~") is cut first.
    const p = kept[low]!;
    if (p.column.min !== undefined && p.width > p.column.min) p.width = Math.max(p.column.min, p.width - (total() - width));
    else kept.splice(low, 1);
  }
  return kept;
}

/** One line of cells, each padded or cut to its width, two spaces apart; `mark` is the first column's one-character lead. */
export function layoutCells(placed: readonly Placed[], texts: readonly string[]): string {
  return placed
    .map((p, i) => {
      const t = texts[i]!;
      const cut = t.length > p.width ? `${t.slice(0, p.width - 1)}~` : t;
      return p.column.align === "right" ? cut.padStart(p.width) : cut.padEnd(p.width);
    })
    .join(" ".repeat(GAP));
}
