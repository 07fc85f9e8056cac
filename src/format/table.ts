import type { ChalkInstance } from "chalk";
import { compareAddressText, formatEndpoint } from "../lib/endpoint.js";
import { escapeControl } from "../lib/safe-text.js";
import type { SocketRecord, Timer } from "../model/socket.js";
import { STATE_MEANING, paint, paintHeader } from "./style.js";

export interface TableOptions {
  chalk: ChalkInstance;
  /** Show the timer column, like `netstat -o`. */
  timers?: boolean;
}

/** "timewait (59.85/0)": the kind, seconds left and retransmits so far, as netstat -o shows them. */
export function formatTimer(timer: Timer | null): string {
  if (!timer) return "off";
  return `${timer.kind} (${(timer.expiresInMs / 1000).toFixed(2)}/${timer.retransmits})`;
}

const proto = (r: SocketRecord) => (r.family === "ipv6" ? `${r.proto}6` : r.proto);

/** Listeners first, then by local port, local address and peer, as a person scans the list. */
function compare(a: SocketRecord, b: SocketRecord): number {
  return (
    compareAddressText(a.proto, b.proto) ||
    Number(b.state === "LISTEN") - Number(a.state === "LISTEN") ||
    a.localPort - b.localPort ||
    compareAddressText(a.localAddress, b.localAddress) ||
    (a.remotePort ?? -1) - (b.remotePort ?? -1) ||
    compareAddressText(a.remoteAddress ?? "", b.remoteAddress ?? "")
  );
}

const isPlainAscii = (text: string) => /^[\x20-\x7e]*$/.test(text);

/**
 * Columns on screen of a cell. Process and namespace names (the only text from the system)
 * may hold wide or combining characters: only then is string-width loaded (its Unicode
 * tables cost a start-up).
 */
async function widthFunction(records: readonly SocketRecord[]): Promise<(text: string) => number> {
  const named = (r: SocketRecord) => isPlainAscii(r.process ?? "") && isPlainAscii(r.netns?.name ?? "");
  if (records.every(named)) return (text) => text.length;
  const { default: stringWidth } = await import("string-width");
  return (text) => (isPlainAscii(text) ? text.length : stringWidth(text));
}

/** Lines per chunk handed to the writer. */
const BATCH = 512;

/**
 * The netstat-like table:
 *
 *   Proto Recv-Q Send-Q Local Address   Foreign Address State  PID/Program
 *   tcp   0      0      127.0.0.1:5432  0.0.0.0:*       LISTEN 812/postgres
 *
 * Each column is as wide as its widest cell plus one space, columns are joined by a space,
 * and only the state is coloured (by meaning). Aligned by hand: a general table library
 * measured seconds for a few thousand rows, and a server lists a hundred thousand.
 */
export async function* renderTable(records: readonly SocketRecord[], options: TableOptions): AsyncIterable<string> {
  const { chalk, timers = false } = options;
  const head = ["Proto", "Recv-Q", "Send-Q", "Local Address", "Foreign Address", "State", "PID/Program"];
  if (timers) head.push("Timer");
  // --netns: which namespace each socket lives in (its ip-netns name, else net:[inode]).
  const netns = records.some((r) => r.netns);
  if (netns) head.unshift("Netns");
  const stateColumn = head.indexOf("State");

  const sorted = [...records].sort(compare);
  // The cells of a row, made twice (to measure, then to print) rather than kept: 100k rows
  // of kept cells would cost more memory than everything else in the run.
  const cellsOf = (r: SocketRecord): string[] => {
    const row = [
      proto(r),
      String(r.recvQ ?? "-"),
      String(r.sendQ ?? "-"),
      formatEndpoint(r.localAddress, r.localPort, r.family),
      formatEndpoint(r.remoteAddress, r.remotePort, r.family),
      r.state ?? "",
      r.pid === null ? "-" : `${r.pid}/${escapeControl(r.process ?? "")}`,
    ];
    if (timers) row.push(formatTimer(r.timer));
    if (netns) row.unshift(r.netns ? escapeControl(r.netns.name ?? `net:[${r.netns.inode}]`) : "-");
    return row;
  };

  const width = await widthFunction(sorted);
  const widths = head.map((h) => h.length);
  for (const r of sorted) {
    const row = cellsOf(r);
    for (let c = 0; c < row.length; c++) widths[c] = Math.max(widths[c]!, width(row[c]!));
  }

  // Colour goes around the text, padding after it, so escape codes never shift the columns.
  const line = (cells: readonly string[], painted: (text: string, column: number) => string) => {
    let out = "";
    for (let c = 0; c < cells.length; c++) {
      const text = cells[c]!;
      out += `${c === 0 ? "" : " "}${painted(text, c)}${" ".repeat(widths[c]! - width(text) + 1)}`;
    }
    return `${out}\n`;
  };
  let chunk = line(head, (h) => paintHeader(chalk, h));
  for (let i = 0; i < sorted.length; i++) {
    const state = sorted[i]!.state;
    chunk += line(cellsOf(sorted[i]!), (text, c) => (c === stateColumn && state ? paint(chalk, STATE_MEANING[state], text) : text));
    if (i % BATCH === BATCH - 1) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk !== "") yield chunk;
}
