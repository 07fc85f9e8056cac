import type { ChalkInstance } from "chalk";
import { escapeControl } from "../lib/safe-text.js";
import type { TcpState } from "../model/state.js";
import type { TraceEvent, TraceLost, TraceSocketEvent, TraceSummary } from "../model/trace.js";
import { STATE_MEANING, paint } from "./style.js";

/**
 * `tcpstat trace` as text: one line per event, the states coloured as in the table.
 *
 *   19:04:27.566  127.0.0.1:54230 → 127.0.0.1:5555    SYN_SENT → ESTABLISHED   python3/21451
 *   19:04:27.566  127.0.0.1:5555 → 127.0.0.1:54230    LISTEN → SYN_RECV        (python3/21451)
 *   19:04:27.566  127.0.0.1:54230 → 127.0.0.1:5555    lifespan 0.108 ms, active close, orderly   python3/21451
 *
 * The process without parentheses was in context (the change happened in its system call);
 * in parentheses it is the socket's holder as tcpstat knew it (the table, the listener, an
 * earlier event). `~` before the time marks a sampled line (no tracefs: polled).
 */

export interface TraceRenderOptions {
  chalk: ChalkInstance;
  /** Name the namespace on each line (-N all). */
  showNetns: boolean;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** "2026-12-06T19:04:27.566Z" -> local "19:04:27.566". */
function clock(e: { time: string }): string {
  const d = new Date(e.time);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

const endpoint = (address: string, port: number) => (address.includes(":") ? `[${address}]:${port === 0 ? "*" : port}` : `${address}:${port === 0 ? "*" : port}`);

function who(e: TraceSocketEvent): string {
  if (e.pid === null && e.process === null) return "-";
  const name = `${escapeControl(e.process ?? "?")}/${e.pid ?? "?"}`;
  return e.holderFrom === "context" ? name : `(${name})`;
}

const state = (chalk: ChalkInstance, s: TcpState) => paint(chalk, STATE_MEANING[s], s);
const padState = (chalk: ChalkInstance, s: TcpState, width: number) => state(chalk, s) + " ".repeat(Math.max(0, width - s.length));

function describe(e: TraceSocketEvent, chalk: ChalkInstance): string {
  switch (e.kind) {
    case "transition":
      return `${padState(chalk, e.from, 11)} → ${padState(chalk, e.to, 11)}`;
    case "reset-sent":
      return chalk.red(`RST sent${e.state ? ` in ${e.state}` : ""}${e.reason ? ` (${e.reason})` : ""}`);
    case "reset-received":
      return chalk.red(`RST received${e.state ? ` in ${e.state}` : ""}`);
    case "retransmit":
      return chalk.yellow(`retransmit${e.state ? ` in ${e.state}` : ""}`);
    case "lifespan": {
      const closer = e.closer === null ? "no FIN" : e.closer === "simultaneous" ? "simultaneous close" : `${e.closer} close`;
      return chalk.bold(`lifespan ${e.startSeen ? "" : ">"}${formatMs(e.durationMs)}, ${closer}, ${e.ended}`);
    }
  }
}

/** 0.108 ms, 12.4 ms, 3.20 s, 5.0 min */
export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 1000) return `${ms < 100 ? ms.toFixed(1) : Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** One text line (with its newline) for an event about a socket. */
export function renderTraceLine(e: TraceSocketEvent, options: TraceRenderOptions): string {
  const { chalk } = options;
  const ends = `${endpoint(e.localAddress, e.localPort)} → ${endpoint(e.remoteAddress, e.remotePort)}`;
  const ns = options.showNetns ? `${e.netns ? escapeControl(e.netns.name ?? `net:[${e.netns.inode}]`) : "?"}  ` : "";
  return `${e.sampled ? "~" : ""}${clock(e)}  ${ns}${ends.padEnd(44)} ${describe(e, chalk)}  ${who(e)}\n`;
}

/** The stderr line for events the kernel dropped. */
export function lostLine(e: TraceLost): string {
  return `tcpstat: ${e.count} event${e.count === 1 ? "" : "s"} lost on CPU ${e.cpu} (the kernel's buffer overran: tcpstat fell behind); a bigger --buffer-size helps`;
}

/** The end-of-run summary as text. */
export function renderTraceSummary(s: TraceSummary, chalk: ChalkInstance, top = 10): string {
  const lines: string[] = [];
  lines.push(chalk.bold(`--- trace summary: ${s.seconds.toFixed(1)} s, ${s.source === "sampled" ? "sampled (polled; short states missed)" : "tracefs"} ---`));
  lines.push("transitions:");
  if (s.transitions.length === 0) lines.push("  none");
  const width = Math.max(8, ...s.transitions.map((t) => String(t.count).length));
  for (const t of s.transitions) lines.push(`  ${String(t.count).padStart(width)}  ${padState(chalk, t.from, 11)} → ${state(chalk, t.to)}`);
  lines.push(`connections: ${s.opened} opened, ${s.closed} closed`);
  lines.push(`resets: ${s.resetsSent} sent, ${s.resetsReceived} received; retransmits: ${s.retransmits}`);
  const lost = `lost events: ${s.lost}`;
  lines.push(s.lost > 0 ? chalk.red.bold(`${lost} (buffer overruns; try a bigger --buffer-size)`) : lost);
  if (s.unattributed > 0) lines.push(`left out: ${s.unattributed} events whose network namespace could not be told (see -N all)`);
  lines.push("lifetimes by local port (connections opened from here: by the port they connected to):");
  if (s.lifetimes.length === 0) lines.push("  none");
  else lines.push(`  ${"PORT".padEnd(8)}  ${"COUNT".padStart(8)}  ${"MEDIAN".padStart(10)}  ${"P99".padStart(10)}`);
  const shown = s.lifetimes.slice(0, top);
  for (const l of shown) {
    const port = l.localPort !== null ? String(l.localPort) : `to ${l.remotePort}`;
    lines.push(`  ${port.padEnd(8)}  ${String(l.count).padStart(8)}  ${formatMs(l.medianMs).padStart(10)}  ${formatMs(l.p99Ms).padStart(10)}`);
  }
  const restPorts = s.lifetimes.length - shown.length + s.lifetimesLeftOut.ports;
  const restCount = s.lifetimes.slice(top).reduce((n, l) => n + l.count, 0) + s.lifetimesLeftOut.count;
  if (restPorts > 0) lines.push(`  ... ${restPorts} more ports, ${restCount} connections`);
  return `${lines.join("\n")}\n`;
}

const str = (s: string | null) => (s === null ? "null" : SAFE.test(s) ? `"${s}"` : JSON.stringify(s));
const SAFE = /^[\w.:\- ]*$/;

/**
 * An NDJSON line. Events about a socket (nearly all of a busy trace) are written field by
 * field, in the schema's order, the same text JSON.stringify gives (a test holds the two
 * equal): at 40,000 events a second it took a fifth of the run.
 */
export function traceJsonLine(e: TraceEvent): string {
  if (e.kind === "lost" || e.kind === "summary") return `${JSON.stringify(e)}\n`;
  const ns = e.netns === null ? "null" : `{"inode":${e.netns.inode},"name":${str(e.netns.name)}}`;
  let line =
    `{"kind":"${e.kind}","time":"${e.time}","monoNs":"${e.monoNs}","sampled":${e.sampled},"netns":${ns},"cpu":${e.cpu},"context":"${e.context}",` +
    `"skaddr":${str(e.skaddr)},"family":"${e.family}","localAddress":"${e.localAddress}","localPort":${e.localPort},"remoteAddress":"${e.remoteAddress}",` +
    `"remotePort":${e.remotePort},"pid":${e.pid},"process":${str(e.process)},"holderFrom":${str(e.holderFrom)}`;
  switch (e.kind) {
    case "transition":
      line += `,"from":"${e.from}","to":"${e.to}"`;
      break;
    case "retransmit":
      line += `,"state":${str(e.state)}`;
      break;
    case "reset-sent":
    case "reset-received":
      line += `,"state":${str(e.state)},"reason":${str(e.reason)}`;
      break;
    case "lifespan":
      line += `,"durationMs":${JSON.stringify(e.durationMs)},"startSeen":${e.startSeen},"opener":${str(e.opener)},"closer":${str(e.closer)},"ended":"${e.ended}","lastState":"${e.lastState}"`;
      break;
  }
  return `${line}}\n`;
}
