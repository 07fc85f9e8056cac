import Table from "cli-table3";
import type { ChalkInstance } from "chalk";
import { formatEndpoint } from "../lib/endpoint.js";
import { escapeControl } from "../lib/safe-text.js";
import type { FrameDiff, Tracked } from "../lib/watch-diff.js";
import { formatTimer } from "./table.js";
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

const BORDERLESS = {
  top: "", "top-mid": "", "top-left": "", "top-right": "",
  bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
  left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "",
  middle: " ",
};

type Mark = "+" | "~" | "-" | " ";

const proto = (t: Tracked) => (t.record.family === "ipv6" ? `${t.record.proto}6` : t.record.proto);

function order(a: Tracked, b: Tracked): number {
  const x = a.record;
  const y = b.record;
  return (
    x.proto.localeCompare(y.proto) ||
    Number(y.state === "LISTEN") - Number(x.state === "LISTEN") ||
    x.localPort - y.localPort ||
    x.localAddress.localeCompare(y.localAddress) ||
    (x.remotePort ?? -1) - (y.remotePort ?? -1)
  );
}

export function* renderWatchTable(diff: FrameDiff, ctx: { chalk: ChalkInstance; timers: boolean }): Iterable<string> {
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
  const rows = [...diff.current.values(), ...diff.closed].sort(order);

  const head = ["", "Proto", "Recv-Q", "Send-Q", "Local Address", "Foreign Address", "State", "PID/Program"];
  if (timers) head.push("Timer");
  const table = new Table({
    head: head.map((h) => paintHeader(chalk, h)),
    chars: BORDERLESS,
    style: { head: [], border: [], "padding-left": 0, "padding-right": 1 },
  });
  for (const t of rows) {
    const r = t.record;
    const mark = marks.get(t) ?? " ";
    let state = r.state ? paint(chalk, STATE_MEANING[r.state], r.state) : "";
    if (mark === "~") state = `${chalk.dim(from.get(t) ?? "")}>${state}`;
    const pid = mark === "-" ? t.pid : r.pid;
    const owner = pid === null ? "-" : `${pid}/${escapeControl((mark === "-" ? t.process : r.process) ?? "")}`;
    const cells = [
      mark,
      proto(t),
      String(r.recvQ ?? "-"),
      String(r.sendQ ?? "-"),
      formatEndpoint(r.localAddress, r.localPort, r.family),
      formatEndpoint(r.remoteAddress, r.remotePort, r.family),
      state,
      owner,
    ];
    if (timers) cells.push(mark === "-" ? "" : formatTimer(r.timer));
    const paintRow = mark === "+" ? chalk.green : mark === "-" ? chalk.dim : mark === "~" ? chalk.yellow : (s: string) => s;
    // The state cell keeps its own colour; the rest of a marked row takes the mark's.
    table.push(cells.map((c, i) => (i === 6 ? c : paintRow(c))));
  }
  const n = diff.current.size;
  const total = `${n} socket${n === 1 ? "" : "s"}`;
  const counts = diff.initial ? total : `${total}: ${diff.opened.length} new, ${diff.closed.length} gone, ${diff.changed.length} changed state`;
  yield `${counts}\n${table.toString()}\n`;
}
