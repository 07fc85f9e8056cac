import type { Command } from "commander";
import { isIP } from "node:net";
import { z } from "zod";
import { TcpstatError, usageError } from "../errors.js";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "../format/prometheus.js";
import { renderServeStats } from "../format/prometheus-serve.js";
import { TraceMetrics } from "../format/prometheus-trace.js";
import type { ServeStats } from "../lib/metrics-server.js";
import { writeError } from "../io.js";
import { sayRemarks } from "../load/remarks.js";
import { toSocketFilter } from "../load/socket-filter.js";
import { gatherMetrics, addMetricsOptions, metricsFilter, parseTop, type GatheredMetrics, type MetricsFlags } from "./metrics.js";

interface ServeFlags extends MetricsFlags {
  listen: string;
  timeout?: string;
  maxConnections?: string;
  trace?: boolean;
}

/** Not registered with Prometheus' port list: a free default nothing common uses. */
const DEFAULT_LISTEN = "127.0.0.1:9717";

interface ListenAddress {
  host: string;
  port: number;
}

const LISTEN_HINT = `give HOST:PORT with an IP address, e.g. ${DEFAULT_LISTEN}, [::1]:9717, 0.0.0.0:9717 (all interfaces), or a port alone for loopback`;

/** "127.0.0.1:9717", "[::1]:9717", "localhost:9717", "9717" (loopback) -> host and port. */
export function parseListen(value: string): ListenAddress {
  const bad = (why: string) => usageError(`bad --listen '${value}': ${why}`, LISTEN_HINT);
  const text = value.trim();
  let host: string;
  let portText: string;
  if (/^\d+$/.test(text)) [host, portText] = ["127.0.0.1", text];
  else {
    const match = /^\[([^\]]+)\]:(\d*)$/.exec(text) ?? /^([^:[\]]*):(\d*)$/.exec(text);
    if (!match) throw bad(text.includes(":") && !text.startsWith("[") ? "put an IPv6 address in brackets" : "expected HOST:PORT");
    [host, portText] = [match[1]!, match[2]!];
  }
  if (portText === "") throw bad("no port");
  const port = Number(portText);
  if (!Number.isInteger(port) || port > 65535) throw bad("port must be 0-65535");
  if (host === "") throw bad("no host (tcpstat does not bind to every interface unless told 0.0.0.0 or [::])");
  if (host !== "localhost" && isIP(host) === 0) throw bad(`'${host}' is not an IP address`);
  return { host, port };
}

const isLoopback = (host: string) => host === "localhost" || host === "::1" || /^127\./.test(host);

const PositiveInt = (flag: string, max: number, hint: string) => (value: string | undefined, fallback: number) => {
  if (value === undefined) return fallback;
  const parsed = z.coerce.number().int().min(1).max(max).safeParse(value.trim() === "" ? NaN : value);
  if (!parsed.success) throw usageError(`bad ${flag} '${value}'`, hint);
  return parsed.data;
};
const parseTimeout = PositiveInt("--timeout", 3600, "give seconds a client may take, 1-3600 (default 10)");
const parseMaxConnections = PositiveInt("--max-connections", 10_000, "give how many clients may be connected at once (default 32)");

function listenError(error: NodeJS.ErrnoException, where: string): TcpstatError | Error {
  switch (error.code) {
    case "EADDRINUSE":
      return new TcpstatError(`cannot listen on ${where}: address already in use`, "choose another port with --listen");
    case "EADDRNOTAVAIL":
      return new TcpstatError(`cannot listen on ${where}: no such address on this host`, "use an address of one of this host's interfaces");
    case "EACCES":
      return new TcpstatError(`cannot listen on ${where}: permission denied`, "ports below 1024 need root; choose a higher port");
    default:
      return error;
  }
}

export async function runServe(given: ServeFlags): Promise<void> {
  // Per-process series only when asked: root's serve would otherwise tell any local user the
  // names and pids of processes `ss -p` hides from them (issue 22).
  const flags: ServeFlags = { ...given, processLabels: given.processLabels === true };
  // Every option is checked before the port opens.
  const address = parseListen(flags.listen);
  const top = parseTop(flags.top);
  const filter = metricsFilter(flags);
  const timeoutMs = parseTimeout(flags.timeout, 10) * 1000;
  const maxConnections = parseMaxConnections(flags.maxConnections, 32);
  if (flags.trace && flags.input !== undefined)
    throw usageError("--trace follows this machine's kernel as it runs: it cannot apply to a replayed --input", "drop --trace, or --input to serve this machine");

  // A first collection at start-up: a bad --netns or source fails now, and notices are said once.
  let last = await gatherMetrics(flags, top, filter);
  sayRemarks(last, flags.quiet);
  const said = (g: GatheredMetrics) => [...g.notices, `${g.problems.length}`].join("\n");

  const traced = flags.trace ? await startTraceMetrics(flags) : null;
  let stats: (() => ServeStats) | undefined;
  const collect = async () => {
    const gathered = await gatherMetrics(flags, top, filter);
    // Tell stderr only what changed since the last scrape, not the same notice every 15 s.
    if (!flags.quiet && said(gathered) !== said(last)) sayRemarks(gathered);
    last = gathered;
    const text = [...renderPrometheus(gathered.input)];
    if (traced) {
      traced.metrics.setUnattributed(traced.unattributed());
      traced.metrics.setListening(gathered.input.records.flatMap((r) => (r.proto === "tcp" && r.state === "LISTEN" ? [r.localPort] : [])));
      text.push(...traced.metrics.render());
    }
    if (stats) text.push(...renderServeStats(stats()));
    return text.join("");
  };

  const { createMetricsServer } = await import("../lib/metrics-server.js");
  const metricsServer = createMetricsServer({ collect, contentType: PROMETHEUS_CONTENT_TYPE, log: writeError, timeoutMs, maxConnections });
  const { server, close } = metricsServer;
  stats = metricsServer.stats;
  const where = address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) => reject(listenError(error, where)));
      server.listen(address.port, address.host, () => resolve());
    });
  } catch (error) {
    traced?.stop();
    throw error;
  }
  const bound = server.address();
  const port = bound && typeof bound === "object" ? bound.port : address.port;
  const url = `http://${address.host.includes(":") ? `[${address.host}]` : address.host}:${port}/metrics`;
  // The handlers are in place before the line that says serve is up: a supervisor (or a test)
  // that signals as soon as it reads it gets the orderly shutdown, not the default death.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      writeError(`tcpstat: ${signal}: shutting down`);
      traced?.stop();
      close().then(resolve, resolve);
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  writeError(`tcpstat: serving ${flags.detailed ? "per-socket" : "aggregate"} metrics on ${url}`);
  if (!isLoopback(address.host))
    writeError(`tcpstat: warning: ${address.host} is not loopback; whoever reaches this port sees this host's sockets.`);
  await stopped;
}

/**
 * --trace: a trace session (src/trace.ts) over the same namespaces and filter as the metrics,
 * its events counted into TraceMetrics from now on. Says on stderr when it only polls.
 */
async function startTraceMetrics(flags: ServeFlags): Promise<{ metrics: TraceMetrics; unattributed: () => number; stop: () => void }> {
  const { startTrace } = await import("../trace.js");
  const trace = await startTrace({ netns: flags.netns, filter: toSocketFilter(flags) });
  if (trace.source === "sampled" && !flags.quiet)
    writeError(`tcpstat: no kernel tracing here: ${trace.fallbackReason}; --trace counts what polling the socket table every ${trace.sampleIntervalMs} ms sees (short states are missed)`);
  const metrics = new TraceMetrics(trace.source);
  trace.on((e) => metrics.add(e));
  trace.onError((error) => writeError(`tcpstat: --trace stopped: ${error.message}; its counters stay where they were`));
  return { metrics, unattributed: () => trace.counters().unattributed, stop: () => void trace.stop() };
}

export function registerServe(program: Command): void {
  addMetricsOptions(
    program
      .command("serve")
      .description("HTTP endpoint for Prometheus: GET /metrics (aggregate counts unless --detailed) and /healthz"),
  )
    .option("--listen <host:port>", "address to listen on (loopback unless told otherwise)", DEFAULT_LISTEN)
    .option("--timeout <seconds>", "time a client gets to send its request; also the idle limit (default 10)")
    .option("--max-connections <n>", "clients connected at once; a newcomer takes the slot of an idle one (default 32)")
    .option("--trace", "also count state changes, resets and connection lifetimes as they happen (tcpstat trace; root)")
    .option("--process-labels", "also series by process name, and pids and names in --detailed (off: a local user could see owners ss -p hides)")
    .action((flags: ServeFlags) => runServe(flags));
}
