import { Command, Option } from "commander";
import { EXIT, TcpstatError, usageError } from "../errors.js";
import { stdoutChalk, writeError } from "../io.js";
import { lostLine, renderTraceLine, renderTraceSummary, traceJsonLine, type TraceRenderOptions } from "../format/trace.js";
import type { TraceEvent, TraceSummary } from "../model/trace.js";
import { addExamples } from "./help.js";
import { toSocketFilter } from "../load/socket-filter.js";
import type { FilterFlags } from "../load/source-options.js";

/**
 * `tcpstat trace`: every TCP state change as it happens (sock:inet_sock_set_state, read from a
 * tracefs instance of tcpstat's own), resets, retransmits and, when a connection is gone, its
 * lifespan; a summary at the end. Without tracefs, the socket table polled at 10 Hz.
 */

interface TraceFlags extends Pick<FilterFlags, "ipv4" | "ipv6" | "state" | "port" | "localPort" | "remotePort" | "pid" | "process"> {
  netns?: string;
  ndjson?: boolean;
  lifespans?: boolean;
  duration?: string;
  bufferSize?: string;
  exact?: boolean;
  color?: boolean;
  quiet?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerTrace(program: Command): void {
  const cmd = new Command("trace")
    .description("follow TCP state changes as they happen (tracefs; root), with resets, retransmits and connection lifespans")
    .option("-4, --ipv4", "IPv4 only")
    .option("-6, --ipv6", "IPv6 only (IPv4-mapped addresses count as IPv6)")
    .option("--state <states>", "changes from or to these states (any spelling or ss group)", collect)
    .option("--port <ports>", "local or remote port: 443, 80,443, 8000-8100", collect)
    .option("--local-port <ports>", "local port, list or range", collect)
    .option("--remote-port <ports>", "remote port, list or range", collect)
    .option("--pid <pids>", "process id(s): in context, or holding the socket", collect)
    .addOption(new Option("--process <name>", "process name (case-insensitive substring)"))
    .option("-N, --netns <ns>", "network namespace: a name (ip netns), a pid, a namespace file, or all (default: the one tcpstat runs in)")
    .option("--lifespans", "only one line per finished connection: holder, duration, who closed first, how it ended")
    .option("--duration <time>", "stop after this long (30s, 2m, 500ms) and print the summary")
    .option("--buffer-size <size>", "kernel buffer per CPU (KiB, or with K/M suffix: 512K, 8M); default 16M on up to 4 CPUs, 64M in all on more")
    .option("--exact", "exit 1 when tracefs cannot be used, instead of polling the socket table")
    .option("--ndjson", "one JSON event a line (tcpstat schema trace-event)")
    .option("-q, --quiet", "no notices on stderr (lost events are still reported)")
    .option("--color", "force colour")
    .option("--no-color", "never colour")
    .action((flags: TraceFlags) => runTrace(flags));
  addExamples(cmd, [
    { what: "every TCP state change, with the process", tcpstat: "sudo tcpstat trace" },
    { what: "connections to port 443 as they end (like tcplife)", tcpstat: "sudo tcpstat trace --lifespans --remote-port 443" },
    { what: "ten seconds of changes, then the summary", tcpstat: "sudo tcpstat trace --duration 10s" },
    { what: "changes in an ip netns namespace, as JSON", tcpstat: "sudo tcpstat trace -N blue --ndjson" },
  ]);
  program.addCommand(cmd);
}

/** "30s", "500ms", "2m", "1h", "10" (seconds) -> milliseconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m?.[2] ?? "s") as "ms" | "s" | "m" | "h"];
  const ms = m ? Number(m[1]) * factor : NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > 7 * 86_400_000) throw usageError(`bad duration '${text}' for --duration`, "give a time like 30s, 500ms, 2m or 1h");
  return ms;
}

/** "4096" (KiB), "512K", "8M", "1G" -> KiB. */
export function parseBufferSize(text: string): number {
  const m = /^\s*(\d+)\s*([kKmMgG])?i?[bB]?\s*$/.exec(text);
  const factor = { k: 1, m: 1024, g: 1024 * 1024 }[(m?.[2] ?? "k").toLowerCase() as "k" | "m" | "g"];
  const kb = m ? Number(m[1]) * factor : NaN;
  if (!Number.isInteger(kb) || kb < 4 || kb > 4 * 1024 * 1024) throw usageError(`bad size '${text}' for --buffer-size`, "give KiB per CPU between 4 and 4194304, e.g. 512K or 8M");
  return kb;
}

async function runTrace(flags: TraceFlags): Promise<void> {
  if (process.platform !== "linux") throw new TcpstatError("tcpstat trace follows the Linux kernel's tracepoints; this is not Linux", "use tcpstat --watch to compare readings instead");
  if (flags.lifespans && flags.state) throw usageError("--state picks state changes; --lifespans shows whole connections", "drop --state, or drop --lifespans");
  const durationMs = flags.duration === undefined ? undefined : parseDuration(flags.duration);
  const bufferSizeKb = flags.bufferSize === undefined ? undefined : parseBufferSize(flags.bufferSize);
  const filter = toSocketFilter({ ...flags, tcp: true });
  // The trace is started first: its setup waits in the kernel while the colours are chosen.
  const starting = import("../trace.js").then(({ startTrace }) =>
    startTrace({ netns: flags.netns, bufferSizeKb, exact: flags.exact, filter, onNotice: (line) => void (flags.quiet || writeError(`tcpstat: ${line}`)) }),
  );
  const chalk = await stdoutChalk(flags.color);
  const trace = await starting;
  const render: TraceRenderOptions = { chalk, showNetns: flags.netns?.trim() === "all" };
  const say = (line: string) => void (flags.quiet || writeError(line));
  if (trace.source === "sampled")
    writeError(
      `tcpstat: no kernel tracing here: ${trace.fallbackReason}; following the socket table every ${trace.sampleIntervalMs} ms instead (lines marked ~ are sampled: shorter states are missed; --exact refuses)`,
    );
  else
    say(`tcpstat: tracing TCP (${trace.tracepoints.map((t) => t.split("/")[1]).join(", ")}) in ${trace.instance}; ${durationMs ? `for ${flags.duration}` : "Ctrl-C ends"} with a summary`);

  let pending = "";
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending === "") return;
    const text = pending;
    pending = "";
    process.stdout.write(text);
  };
  const out = (text: string) => {
    pending += text;
    if (pending.length >= 65536) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  trace.on((e: TraceEvent) => {
    if (e.kind === "lost") {
      writeError(lostLine(e));
      if (flags.ndjson) out(traceJsonLine(e));
      return;
    }
    if (e.kind === "summary") return;
    if (flags.lifespans && e.kind !== "lifespan") return;
    out(flags.ndjson ? traceJsonLine(e) : renderTraceLine(e, render));
  });

  const code = await new Promise<number>((resolve) => {
    const timer = durationMs === undefined ? null : setTimeout(() => resolve(EXIT.ok), durationMs);
    process.once("SIGINT", () => resolve(EXIT.interrupted));
    process.once("SIGTERM", () => resolve(EXIT.terminated));
    trace.onError((error) => {
      say(`tcpstat: trace stopped: ${error.message}`);
      resolve(EXIT.failure);
    });
    void timer;
  });
  const summary: TraceSummary = trace.stop();
  flush();
  const text = flags.ndjson ? traceJsonLine(summary) : `${process.stdout.isTTY ? "\n" : ""}${renderTraceSummary(summary, chalk)}`;
  process.stdout.write(text, () => process.exit(code));
}
