/**
 * Following TCP as it happens: `startTrace()` gives every state change, reset, retransmit and
 * finished connection (lifespan) as typed events (src/model/trace.ts), from a tracefs instance
 * of tcpstat's own, or, where tracing is not possible, from the socket table polled at 10 Hz
 * (marked `sampled`). The CLI's `tcpstat trace`, `serve --trace` and `lab` are built on it.
 *
 *   const trace = await startTrace({ netns: undefined });   // this namespace
 *   const off = trace.on((e) => console.log(e.kind, e.localPort, e.kind === "transition" ? `${e.from}->${e.to}` : ""));
 *   ...
 *   const summary = trace.stop();                          // removes the instance
 */
import { readFileSync, readlinkSync } from "node:fs";
import { makePredicate, type SocketFilter } from "./lib/filter.js";
import { LifespanTracker } from "./lib/trace-lifespans.js";
import { TraceTotals, type TraceCounters } from "./lib/trace-summary.js";
import type { NetnsTag, SocketRecord } from "./model/socket.js";
import type { Namespace } from "./sources/linux-procfs/netns.js";
import type { TcpState } from "./model/state.js";
import type { TraceEvent, TraceSocketEvent, TraceSummary, TraceTransition } from "./model/trace.js";
import type { KernelEvent } from "./sources/linux-tracefs/decode.js";
import { startKernelTrace, type KernelTrace } from "./sources/linux-tracefs/reader.js";
import { TracefsUnavailable } from "./sources/linux-tracefs/tracefs.js";
import { Attributor, parseSavedCmdlines, type Attribution } from "./sources/trace/attribute.js";
import { startSampler, type Sampler } from "./sources/trace/sampled.js";
import { readOpenSockets } from "./sources/trace/table.js";
import { TcpstatError } from "./errors.js";

export { TracefsUnavailable };
export type { TraceCounters };

/** Longest the first events wait, once tracing runs, for the socket table of the namespaces shown (its reading began before the instance was set up). */
const TABLE_WAIT_MS = 20;

export interface TraceOptions {
  /** Like -N: undefined = the namespace tcpstat runs in; "all"; a name (ip netns), a pid or a namespace file. */
  netns?: string;
  /** Per-CPU buffer in KiB (default: 16 MiB on up to 4 CPUs, 64 MiB in all on more). */
  bufferSizeKb?: number;
  /** Refuse to fall back to polling: startTrace throws TracefsUnavailable instead. */
  exact?: boolean;
  /** Polls a second when sampling (default 10). */
  sampleHz?: number;
  /** Traced: how long events wait for later-committed earlier ones of other CPUs (default 10 ms). */
  holdMs?: number;
  /** Which events to hand out (all when absent); lifespans are followed for every connection. */
  filter?: SocketFilter;
  procRoot?: string;
  /** One-line notices while tracing (e.g. the buffer is small for the rate); the CLI prints them on stderr. */
  onNotice?: (line: string) => void;
}

export interface TraceSession {
  /** Where events come from. */
  readonly source: "tracefs" | "sampled";
  /** Why it is sampled (what is missing), or null. */
  readonly fallbackReason: string | null;
  /** The tracefs instance directory, or null when sampled. */
  readonly instance: string | null;
  /** Tracepoints enabled ("sock/inet_sock_set_state", ...); empty when sampled. */
  readonly tracepoints: readonly string[];
  /** Milliseconds between polls when sampled, else null. */
  readonly sampleIntervalMs: number | null;
  /** Per-CPU buffer size in KiB now (null when sampled). */
  bufferSizeKb(): number | null;
  /** Adds a listener; returns a function that removes it. */
  on(listener: (event: TraceEvent) => void): () => void;
  /** Called once with the reason when reading fails (the session has stopped then). */
  onError(listener: (error: Error) => void): void;
  /** Every event from now on; ends when the session stops. */
  [Symbol.asyncIterator](): AsyncIterator<TraceEvent>;
  /** Running totals (what the summary is made of). */
  counters(): TraceCounters;
  summary(): TraceSummary;
  /** Stops, removes the instance, returns the summary. Safe to call twice. */
  stop(): TraceSummary;
}

/** Namespace inode of a process (/proc/PID/ns/net -> net:[INODE]). */
function netnsInode(procRoot: string, pid: number | "self"): number | null {
  try {
    const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`${procRoot}/${pid}/ns/net`));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

interface Scope {
  /** Namespaces shown; null = all. */
  inodes: Set<number> | null;
  names: Map<number, string>;
  /** Namespaces on the machine. */
  count: number;
  /** The namespaces found (with a few pids each), for reading their tables. */
  all: Namespace[];
}

async function resolveScope(netns: string | undefined, procRoot: string): Promise<Scope> {
  const { discoverNamespaces, resolveNetns } = await import("./sources/linux-procfs/netns.js");
  const all = discoverNamespaces({ procRoot });
  const names = new Map<number, string>();
  for (const ns of all) if (ns.name !== null) names.set(ns.inode, ns.name);
  if (netns === undefined) {
    const own = netnsInode(procRoot, "self");
    return { inodes: own === null ? new Set() : new Set([own]), names, count: all.length, all };
  }
  if (netns.trim() === "all") return { inodes: null, names, count: all.length, all };
  // A name found already needs no second look through /proc; anything else is resolveNetns's (and its errors).
  const named = all.filter((ns) => ns.name === netns.trim());
  const chosen = named.length === 1 ? named : resolveNetns(netns, { procRoot });
  return { inodes: new Set(chosen.map((ns) => ns.inode)), names, count: all.length, all };
}

/** A filter's view of an event: the state is the given one (either side of a change). */
function filterView(e: TraceSocketEvent, state: TcpState | null) {
  return {
    proto: "tcp" as const,
    family: e.family,
    state: state ?? "CLOSE",
    localAddress: e.localAddress,
    localPort: e.localPort,
    remoteAddress: e.remoteAddress,
    remotePort: e.remotePort,
    pid: e.pid,
    process: e.process,
  };
}

export async function startTrace(options: TraceOptions = {}): Promise<TraceSession> {
  const procRoot = options.procRoot ?? "/proc";
  const listeners = new Set<(event: TraceEvent) => void>();
  const errorListeners: Array<(error: Error) => void> = [];
  const totals = new TraceTotals();
  const lifespans = new LifespanTracker();
  const keep = options.filter ? makePredicate(options.filter) : () => true;
  const startedAt = Date.now();
  let stopped = false;
  let summaryAtStop: TraceSummary | null = null;
  const iterators = new Set<{ push: (e: TraceEvent | null) => void }>();
  let scope: Scope | null = null;

  // (Events are handled only once the namespaces are resolved: `scope` is set by then.)
  const inScope = (inode: number | null): boolean => scope!.inodes === null || (inode !== null && scope!.inodes.has(inode));
  const tagOf = (inode: number | null): NetnsTag | null => (inode === null ? null : { inode, name: scope!.names.get(inode) ?? null });
  const emit = (e: TraceEvent) => {
    totals.add(e);
    for (const listener of listeners) listener(e);
    for (const it of iterators) it.push(e);
  };
  const shown = (e: TraceSocketEvent): boolean => {
    if (e.kind === "transition") return keep(filterView(e, e.from)) || keep(filterView(e, e.to));
    if (e.kind === "lifespan") return keep(filterView(e, null)) || keep(filterView(e, e.lastState));
    return keep(filterView(e, e.state));
  };
  /** Follows an event (lifespans see every connection in scope), then hands it out if the filter keeps it. */
  const follow = (e: TraceSocketEvent, monoNs: number) => {
    let lifespan = null;
    if (e.kind === "transition") lifespan = lifespans.transition(e, monoNs);
    else if (e.kind === "reset-sent" || e.kind === "reset-received") lifespans.reset(e);
    if (shown(e)) emit(e);
    if (lifespan && shown(lifespan)) emit(lifespan);
  };

  // The kernel's part begins first: its setup waits in the kernel (the clock switch and the
  // buffer's size, tens of milliseconds each), in the thread pool, while the namespaces are
  // resolved and their socket table read here. Events wait in `pending` until the table is known.
  let attributor: Attributor | null = null;
  let tableRead = false;
  const pending: KernelEvent[] = [];
  // CLOCK_MONOTONIC (the instance's trace_clock) -> wall clock.
  const offsetMs = Date.now() - Number(process.hrtime.bigint()) / 1e6;
  let instancePath = "";
  const handle = (batch: KernelEvent[]) => {
    const now = Date.now();
    if (!tableRead || !attributor) {
      for (const k of batch) {
        // The processes in context are looked up at once (a short-lived one may be gone by the time the table is read).
        if (k.context === "process") attributor?.prime(k.tid, now);
        pending.push(k);
      }
      return;
    }
    for (const k of batch) {
      const who = attributor.attribute(k, now);
      if (!inScope(who.netns)) {
        if (who.netns === null) totals.counters.unattributed++;
        continue;
      }
      follow(toEvent(k, who, tagOf(who.netns), offsetMs), k.timeNs);
    }
  };
  const release = () => {
    if (tableRead || !attributor) return;
    tableRead = true;
    if (pending.length > 0) handle(pending.splice(0));
  };
  let kernelFailed = false;
  const kernelStarting = startKernelTrace(
    { bufferSizeKb: options.bufferSizeKb, holdMs: options.holdMs, procRoot },
    {
      onEvents: handle,
      onLost: (cpu, count) => emit({ kind: "lost", time: new Date().toISOString(), cpu, count }),
      onNotice: options.onNotice,
      onError: (error) => {
        finish();
        for (const l of errorListeners) l(error);
      },
    },
  ).then(
    (trace) => ({ trace, error: null }),
    (error: unknown) => {
      kernelFailed = true;
      return { trace: null, error };
    },
  );
  try {
    scope = await resolveScope(options.netns, procRoot);
  } catch (error) {
    (await kernelStarting).trace?.stop();
    throw error;
  }
  const shownScope: Scope = scope;
  const own = netnsInode(procRoot, "self");
  const savedComms = () => {
    try {
      return parseSavedCmdlines(readFileSync(`${instancePath}/saved_cmdlines`, "utf8"));
    } catch {
      return new Map<number, string>();
    }
  };
  attributor = new Attributor(procRoot, savedComms, shownScope.count === 1 ? own : null);
  const learnt = attributor;
  // The socket table of the namespaces shown (holders of the sockets open before), read in
  // the thread pool while the kernel's setup finishes: the first events need not wait for it.
  if (!kernelFailed)
    void readOpenSockets(procRoot, (inode) => inScope(inode), shownScope.all)
      .catch(() => [] as SocketRecord[])
      .then((records) => {
        learnt.learnTable(records, own);
        release();
      });

  let kernel: KernelTrace | null = null;
  let sampler: Sampler | null = null;
  let fallbackReason: string | null = null;
  const started = await kernelStarting;
  if (started.trace) {
    kernel = started.trace;
    instancePath = kernel.instance;
    // Tracing runs: the tables are read again, every namespace's (sockets opened while the
    // instance was set up; the other namespaces' listeners and connections, which tell the
    // namespace of their events). The first events wait for the first table at most TABLE_WAIT_MS
    // (a busy table must not hold the first lines back).
    // (After the first lines: its look through every process holds the drains back while it runs.)
    setTimeout(release, TABLE_WAIT_MS).unref();
    setTimeout(() => {
      void readOpenSockets(procRoot)
        .then((records) => learnt.learnTable(records, own))
        .catch(() => {});
    }, TABLE_WAIT_MS).unref();
  } else {
    const error = started.error;
    if (!(error instanceof TracefsUnavailable)) throw error;
    if (options.exact) throw new TcpstatError(`exact tracing is not possible: ${error.message}`, `${error.hint}; without --exact, tcpstat polls the socket table instead`);
    fallbackReason = `${error.message} (${error.hint})`;
  }

  if (!kernel) {
    sampler = await startSampler({
      netns: options.netns,
      hz: options.sampleHz ?? 10,
      procRoot,
      onEvents: (events) => {
        for (const e of events) {
          if (!inScope(e.netns?.inode ?? null)) continue;
          follow(e, Number(e.monoNs));
        }
      },
      onError: (error) => {
        finish();
        for (const l of errorListeners) l(error);
      },
    });
  }

  const source = kernel ? "tracefs" : "sampled";
  const summary = () => summaryAtStop ?? totals.summary(source, (Date.now() - startedAt) / 1000);
  function finish(): TraceSummary {
    if (stopped) return summaryAtStop!;
    kernel?.stop();
    sampler?.stop();
    stopped = true;
    summaryAtStop = totals.summary(source, (Date.now() - startedAt) / 1000);
    for (const it of iterators) it.push(null);
    iterators.clear();
    return summaryAtStop;
  }

  return {
    source,
    fallbackReason,
    instance: kernel?.instance ?? null,
    tracepoints: kernel?.tracepoints ?? [],
    sampleIntervalMs: sampler ? sampler.intervalMs : null,
    bufferSizeKb: () => kernel?.bufferSizeKb() ?? null,
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onError(listener) {
      errorListeners.push(listener);
    },
    [Symbol.asyncIterator]() {
      const queue: TraceEvent[] = [];
      let wake: (() => void) | null = null;
      let ended = stopped;
      const it = {
        push: (e: TraceEvent | null) => {
          if (e === null) ended = true;
          else queue.push(e);
          wake?.();
        },
      };
      if (!ended) iterators.add(it);
      return {
        async next(): Promise<IteratorResult<TraceEvent>> {
          while (queue.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
          const value = queue.shift();
          return value === undefined ? { done: true, value: undefined } : { done: false, value };
        },
        async return(): Promise<IteratorResult<TraceEvent>> {
          iterators.delete(it);
          ended = true;
          return { done: true, value: undefined };
        },
      };
    },
    counters: () => totals.counters,
    summary,
    stop: finish,
  };
}

/** ISO text of a millisecond, kept for the next event of the same millisecond (most of a busy batch). */
let lastMs = NaN;
let lastIso = "";
function isoOf(ms: number): string {
  const whole = Math.floor(ms);
  if (whole !== lastMs) {
    lastMs = whole;
    lastIso = new Date(whole).toISOString();
  }
  return lastIso;
}

function toEvent(k: KernelEvent, who: Attribution, netns: NetnsTag | null, offsetMs: number): TraceSocketEvent {
  // One object a kernel event, its fields in the schema's order (the JSON prints them so).
  const time = isoOf(offsetMs + k.timeNs / 1e6);
  const monoNs = String(Math.round(k.timeNs));
  if (k.type === "transition")
    return {
      kind: "transition", time, monoNs, sampled: false, netns, cpu: k.cpu, context: k.context, skaddr: k.skaddr, family: k.family,
      localAddress: k.localAddress, localPort: k.localPort, remoteAddress: k.remoteAddress, remotePort: k.remotePort,
      pid: who.pid, process: who.process, holderFrom: who.holderFrom, from: k.from ?? "CLOSE", to: k.to ?? "CLOSE",
    } satisfies TraceTransition;
  if (k.type === "retransmit")
    return {
      kind: "retransmit", time, monoNs, sampled: false, netns, cpu: k.cpu, context: k.context, skaddr: k.skaddr, family: k.family,
      localAddress: k.localAddress, localPort: k.localPort, remoteAddress: k.remoteAddress, remotePort: k.remotePort,
      pid: who.pid, process: who.process, holderFrom: who.holderFrom, state: k.to,
    };
  return {
    kind: k.type, time, monoNs, sampled: false, netns, cpu: k.cpu, context: k.context, skaddr: k.skaddr, family: k.family,
    localAddress: k.localAddress, localPort: k.localPort, remoteAddress: k.remoteAddress, remotePort: k.remotePort,
    pid: who.pid, process: who.process, holderFrom: who.holderFrom, state: k.to, reason: k.reason,
  };
}
