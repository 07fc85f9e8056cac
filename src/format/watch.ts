import type { ChalkInstance } from "chalk";
import { formatEndpoint } from "../lib/endpoint.js";
import { escapeControl } from "../lib/safe-text.js";
import type { FrameDiff, Tracked } from "../lib/watch-diff.js";
import type { TcpState } from "../model/state.js";
import { widthOf } from "./columns.js";
import { TABLE_HEAD, compareSockets, formatTimer, protoText } from "./table.js";
import { STATE_MEANING, paint, paintHeader } from "./style.js";

/**
 * One frame of `tcpstat --watch`: the netstat-like table with a first column saying
 * what changed since the previous frame:
 *
 *     Proto Local Address    Foreign Address   State                  PID/Program
 *   + tcp   127.0.0.1:41000  127.0.0.1:8080    ESTABLISHED            311/curl
 *   ~ tcp   127.0.0.1:8080   127.0.0.1:41000   ESTABLISHED>CLOSE_WAIT 300/server
 *   - tcp   127.0.0.1:39990  127.0.0.1:8080    TIME_WAIT              -
 *
 * "+" new, "~" changed state, "-" gone (shown once, dimmed, with its last state).
 */

type Mark = "+" | "~" | "-" | " ";

const byRecord = (a: Tracked, b: Tracked) => compareSockets(a.record, b.record);

/** A cell: its text (what is measured) and how it is shown (colour around the text). */
interface Cell {
  text: string;
  shown: string;
}

/**
 * The frame's text. Laid out as renderTable lays out the listing (each cell padded to its
 * column's width plus one space, cells joined by a space, the order of compareSockets), by
 * hand rather than with a table library: one that checks every cell against every row took
 * minutes for a frame of 30,000 sockets.
 */
export async function renderWatchTable(diff: FrameDiff, ctx: { chalk: ChalkInstance; timers: boolean }): Promise<string[]> {
  const { chalk, timers } = ctx;
  const marks = new Map<Tracked, Mark>();
  const from = new Map<Tracked, string>();
  if (!diff.initial) {
    for (const t of diff.opened) marks.set(t, "+");
    for (const c of diff.changed) {
      marks.set(c.tracked, "~");
      from.set(c.tracked, c.from ?? "-");
    }
  }
  for (const t of diff.closed) marks.set(t, "-");
  const rows = [...diff.current.values(), ...diff.closed].sort(byRecord);
  // Process names are the only text from the system (closed sockets show the one remembered).
  const width = await widthOf(rows, (t) => t.record.process, (t) => t.process);

  const head: string[] = ["", ...TABLE_HEAD];
  if (timers) head.push("Timer");
  const lines: Cell[][] = [head.map((h) => ({ text: h, shown: paintHeader(chalk, h) }))];
  for (const t of rows) {
    const r = t.record;
    const mark = marks.get(t) ?? " ";
    const paintRow = mark === "+" ? chalk.green : mark === "-" ? chalk.dim : mark === "~" ? chalk.yellow : undefined;
    const cell = (text: string): Cell => ({ text, shown: paintRow ? paintRow(text) : text });
    const pid = mark === "-" ? t.pid : r.pid;
    const cells = [
      cell(mark),
      cell(protoText(r)),
      cell(String(r.recvQ ?? "-")),
      cell(String(r.sendQ ?? "-")),
      cell(formatEndpoint(r.localAddress, r.localPort, r.family)),
      cell(formatEndpoint(r.remoteAddress, r.remotePort, r.family)),
      // The state keeps its own colour; a change shows where it came from, dimmed.
      stateCell(chalk, r.state, mark === "~" ? from.get(t) ?? "" : undefined),
      cell(pid === null ? "-" : `${pid}/${escapeControl((mark === "-" ? t.process : r.process) ?? "")}`),
    ];
    if (timers) cells.push(cell(mark === "-" ? "" : formatTimer(r.timer)));
    lines.push(cells);
  }

  // At least one column wide, as the table library drew an empty column.
  const widths = head.map(() => 1);
  for (const cells of lines) for (let c = 0; c < cells.length; c++) widths[c] = Math.max(widths[c]!, width(cells[c]!.text));
  const n = diff.current.size;
  const total = `${n} socket${n === 1 ? "" : "s"}`;
  const counts = diff.initial ? total : `${total}: ${diff.opened.length} new, ${diff.closed.length} gone, ${diff.changed.length} changed state`;
  let frame = `${counts}\n`;
  // The last cell is not padded: no line ends in spaces.
  for (const cells of lines) frame += `${cells.map((c, i) => c.shown + (i === cells.length - 1 ? "" : " ".repeat(widths[i]! - width(c.text) + 1))).join(" ").replace(/ +$/, "")}\n`;
  // One piece: a SIGTERM on a pipe ends the run between frames, never inside one.
  return [frame];
}

function stateCell(chalk: ChalkInstance, state: TcpState | null, from: string | undefined): Cell {
  const text = state ?? "";
  const shown = state ? paint(chalk, STATE_MEANING[state], state) : "";
  return from === undefined ? { text, shown } : { text: `${from}>${text}`, shown: `${chalk.dim(from)}>${shown}` };
}
