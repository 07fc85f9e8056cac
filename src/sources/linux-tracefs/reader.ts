import { closeSync, constants, openSync, readSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { decodePage, pageLayoutOf, type PageLayout } from "./parse-page.js";
import { parseEventFormat } from "./parse-format.js";
import { lostOf, parseCpuStats } from "./parse-stats.js";
import { makeDecoder, TRACEPOINTS, type KernelEvent, type KernelEventType } from "./decode.js";
import { openTracefs, releaseTracefs, removeStaleInstances, TraceInstance, TracefsUnavailable, type TracefsRoot } from "./tracefs.js";

/**
 * Reads TCP state changes, resets and retransmits from a tracefs instance of tcpstat's own:
 * the binary per-CPU buffers (per_cpu/cpuN/trace_pipe_raw), opened non-blocking and drained
 * every `pollMs` (sooner while busy), decoded with the events' format files. Text from
 * trace_pipe was measured against it (BENCHMARKS.md, "trace"): the kernel formats each line
 * in the reader's time and the text has no socket address, so the binary pages are read.
 *
 * Every way out removes the instance: stop(), process exit (also process.exit() after EPIPE),
 * and the caller's signal handlers, which call stop(); SIGINT, SIGTERM or SIGHUP while it is
 * being set up remove it and then end the process as the signal would have. A run killed with
 * SIGKILL leaves it behind; the next run removes it (removeStaleInstances).
 *
 * The setup is asynchronous: the writes that switch the instance's clock and size its buffer
 * wait in the kernel (tens of milliseconds each: the buffer is reset after an RCU grace
 * period), in the thread pool, while the caller does its own start (BENCHMARKS.md, "trace").
 */

export interface KernelTraceOptions {
  /** Per-CPU buffer in KiB; default chosen from the CPU count (defaultBufferKb). */
  bufferSizeKb?: number;
  /** Milliseconds between drains while quiet. */
  pollMs?: number;
  /**
   * How long an event is held for events of other CPUs committed later with an earlier time
   * (default HOLD_MS). A virtual CPU paused by its host in the middle of a write commits its
   * event milliseconds late; a listing that shows the order (lab) holds them longer.
   */
  holdMs?: number;
  procRoot?: string;
}

/** Events younger than this wait for the next drain (see holdMs). */
const HOLD_MS = 10;

export interface KernelTraceHandlers {
  /** A batch of events from every CPU, in time order. */
  onEvents: (events: KernelEvent[]) => void;
  /** Events the kernel dropped on one CPU since the last report. */
  onLost?: (cpu: number, count: number) => void;
  /** A one-line notice (the buffer is small for the rate measured). */
  onNotice?: (line: string) => void;
  /** A reading error: the trace stops (stop() was called) after this. */
  onError?: (error: Error) => void;
}

export interface KernelTrace {
  /** tracefs instance path. */
  readonly instance: string;
  /** Tracepoints enabled ("sock/inet_sock_set_state", ...). */
  readonly tracepoints: string[];
  readonly cpus: number[];
  /** Current per-CPU buffer size (KiB). */
  bufferSizeKb(): number;
  /** Events lost so far, all CPUs (overrun + dropped, from the stats files, and pages marked as missing). */
  lost(): number;
  /** Events decoded so far. */
  events(): number;
  /** Reads what is left, stops, removes the instance. Safe to call twice. */
  stop(): void;
}

const DEFAULT_POLL_MS = 20;
/** Drains this often in the first STARTUP_MS, so that the first lines come without waiting a whole pollMs. */
const STARTUP_POLL_MS = 5;
const STARTUP_MS = 250;
/** Budget for all CPUs' buffers together, and the floor per CPU (KiB). */
const TOTAL_BUDGET_KB = 65536;
const MIN_PER_CPU_KB = 1024;
const MAX_PER_CPU_KB = 65536;
/** Seconds of events the buffer should hold at the measured rate, and the window measuring it. */
const SLACK_S = 8;
const RATE_WINDOW_MS = 1000;
/** Stats files are read every this many drains. */
const STATS_EVERY = 4;

/** The default per-CPU size: 16 MiB on up to 4 CPUs, less on more (64 MiB in all), never under 1 MiB. */
export const defaultBufferKb = (cpus: number) => Math.max(MIN_PER_CPU_KB, Math.min(16384, Math.floor(TOTAL_BUDGET_KB / Math.max(1, cpus))));

export async function startKernelTrace(options: KernelTraceOptions, handlers: KernelTraceHandlers): Promise<KernelTrace> {
  const root: TracefsRoot = openTracefs(options.procRoot);
  removeStaleInstances(root.path);
  let instance: TraceInstance;
  try {
    instance = new TraceInstance(root.path);
  } catch (error) {
    releaseTracefs(root);
    throw error;
  }
  const fds: number[] = [];
  let stopped = false;
  const cleanup = () => {
    for (const fd of fds.splice(0)) {
      try {
        closeSync(fd);
      } catch {
        // Closed already.
      }
    }
    instance.remove();
    releaseTracefs(root);
  };
  const onExit = () => cleanup();
  process.on("exit", onExit);
  // A signal while the setup waits in the kernel: the instance is removed, then the signal
  // ends the process as it would have (the caller's own handlers come after the setup).
  let signalled: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => void (signalled ??= signal);
  const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const signal of SIGNALS) process.on(signal, onSignal);
  const endSetup = () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
  try {
    const setup = await setUp(instance, root, options.bufferSizeKb);
    if (signalled) throw new Error(signalled);
    const trace = running(instance, root, fds, setup, options, handlers, () => {
      if (stopped) return false;
      stopped = true;
      cleanup();
      process.off("exit", onExit);
      return true;
    });
    endSetup();
    return trace;
  } catch (error) {
    stopped = true;
    cleanup();
    process.off("exit", onExit);
    endSetup();
    if (signalled) process.kill(process.pid, signalled);
    if (error instanceof TracefsUnavailable) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new TracefsUnavailable(`tracing could not be set up (${code ?? (error as Error).message})`, "run as root; a locked-down kernel (lockdown=confidentiality) refuses tracing");
  }
}

interface Setup {
  formats: Map<KernelEventType, { format: ReturnType<typeof parseEventFormat>; text: string }>;
  tracepoints: string[];
  layout: PageLayout;
  cpus: number[];
  bufferKb: number;
  monoClock: boolean;
  pageBytes: number;
}

/**
 * The instance made ready and switched on: the events' formats read, the clock switched to
 * CLOCK_MONOTONIC, the buffer sized, the events enabled. The file operations run in the
 * thread pool: the clock and size writes wait in the kernel, not on this thread.
 */
async function setUp(instance: TraceInstance, root: TracefsRoot, bufferSizeKb?: number): Promise<Setup> {
  const present: Array<[KernelEventType, string]> = [];
  for (const [type, event] of Object.entries(TRACEPOINTS) as Array<[KernelEventType, string]>) {
    if (instance.hasEvent(event)) present.push([type, event]);
    else if (type === "transition") throw new TracefsUnavailable(`this kernel has no ${event.replace("/", ":")} tracepoint`, "it appeared in Linux 4.16");
  }
  const cpus = instance.cpus();
  const bufferKb = bufferSizeKb ?? defaultBufferKb(cpus.length);
  // The clock first: switching it resets the buffer, which costs less while it is small.
  const switchedOn = (async () => {
    // CLOCK_MONOTONIC, the clock of process.hrtime: event times convert to wall-clock time.
    let monoClock = true;
    try {
      await instance.writeAsync("trace_clock", "mono");
    } catch {
      // Older kernels: the default clock; times are then approximate, and not held back (below).
      monoClock = false;
    }
    await instance.writeAsync("buffer_size_kb", String(bufferKb));
    for (const [, event] of present) await instance.writeAsync(`events/${event}/enable`, "1");
    await instance.writeAsync("tracing_on", "1");
    return monoClock;
  })();
  const formats: Setup["formats"] = new Map();
  let layout: PageLayout;
  let pageBytes = 4096;
  try {
    const texts = await Promise.all(present.map(([, event]) => readFile(instance.file("events", event, "format"), "utf8")));
    present.forEach(([type], i) => formats.set(type, { format: parseEventFormat(texts[i]!), text: texts[i]! }));
    layout = pageLayoutOf(await readFile(`${root.path}/events/header_page`, "utf8"));
    try {
      pageBytes = Math.max(4096, Number((await readFile(instance.file("buffer_subbuf_size_kb"), "utf8")).trim()) * 1024);
    } catch {
      // Kernels before 6.8 have system-page-sized sub-buffers.
    }
  } catch (error) {
    // The writes end before the instance is removed.
    await switchedOn.catch(() => false);
    throw error;
  }
  const monoClock = await switchedOn;
  return { formats, tracepoints: present.map(([, event]) => event), layout, cpus, bufferKb, monoClock, pageBytes };
}

function running(
  instance: TraceInstance,
  root: TracefsRoot,
  fds: number[],
  setup: Setup,
  options: KernelTraceOptions,
  handlers: KernelTraceHandlers,
  finish: () => boolean,
): KernelTrace {
  const { tracepoints, layout, cpus, monoClock, pageBytes } = setup;
  const decode = makeDecoder(setup.formats);
  const bufferKb = setup.bufferKb;
  for (const cpu of cpus) fds.push(openSync(instance.file("per_cpu", `cpu${cpu}`, "trace_pipe_raw"), constants.O_RDONLY | constants.O_NONBLOCK));
  const page = Buffer.alloc(pageBytes);
  const reportedLost = cpus.map(() => 0);
  const missedPages = cpus.map(() => 0);
  const cpuBytes = cpus.map(() => 0);
  let decoded = 0;
  let drains = 0;
  let timer: NodeJS.Timeout | null = null;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const holdNs = (options.holdMs ?? HOLD_MS) * 1e6;

  /** Reads every CPU until it has nothing; returns the largest byte count one CPU gave. */
  /**
   * Events of one CPU may be read before an earlier event of another CPU is (it was committed
   * just after that CPU was read). Events are handed out in time order up to a watermark: the
   * clock when this drain began, less holdMs; later ones wait for the next drain. Without that,
   * a socket freed on one CPU and its memory reused at once by a new socket on another could
   * be seen in the wrong order, and the new socket lose its holder.
   */
  let held: KernelEvent[] = [];
  const drain = (final = false): number => {
    const watermark = Number(process.hrtime.bigint()) - holdNs;
    const batch: KernelEvent[] = held;
    held = [];
    let busiest = 0;
    for (let i = 0; i < cpus.length; i++) {
      const cpu = cpus[i]!;
      let bytes = 0;
      for (;;) {
        let n: number;
        try {
          n = readSync(fds[i]!, page, 0, pageBytes, null);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "EAGAIN") break;
          throw error;
        }
        if (n <= 0) break;
        bytes += n;
        const result = decodePage(page, n, (buf, at, _length, timeNs) => {
          const event = decode(buf, at, cpu, timeNs);
          if (event) batch.push(event);
        }, layout);
        if (result.missed > 0) missedPages[i]! += result.missed;
      }
      busiest = Math.max(busiest, bytes);
      cpuBytes[i]! += bytes;
    }
    if (batch.length > 0) {
      batch.sort((a, b) => a.timeNs - b.timeNs);
      let ready = batch.length;
      if (monoClock && !final) while (ready > 0 && batch[ready - 1]!.timeNs > watermark) ready--;
      held = batch.slice(ready);
      batch.length = ready;
      decoded += batch.length;
      if (batch.length > 0) handlers.onEvents(batch);
    }
    return busiest;
  };

  const lostNow = (i: number): number => {
    try {
      return lostOf(parseCpuStats(instance.read(`per_cpu/cpu${cpus[i]}/stats`)));
    } catch {
      return reportedLost[i]!;
    }
  };
  const checkLost = () => {
    for (let i = 0; i < cpus.length; i++) {
      const total = Math.max(lostNow(i), missedPages[i]!);
      if (total > reportedLost[i]!) {
        handlers.onLost?.(cpus[i]!, total - reportedLost[i]!);
        reportedLost[i] = total;
      }
    }
  };

  // The buffer is never resized while tracing: the kernel drops unread events when it is
  // (and counts them nowhere; measured: 3,000 of 135,000 gone, BENCHMARKS.md "trace").
  // The rate is measured instead, and a buffer that holds less than SLACK_S of it is said once.
  let windowStart = Date.now();
  let windowBase = cpuBytes.slice();
  let advised = false;
  const advise = (bytesPerSecond: number) => {
    if (advised || bytesPerSecond * SLACK_S <= bufferKb * 1024) return;
    advised = true;
    const seconds = (bufferKb * 1024) / bytesPerSecond;
    handlers.onNotice?.(
      `at this rate the kernel's buffer (${bufferKb} KiB a CPU) holds ${seconds.toFixed(1)} s of events: if tcpstat falls behind longer, events are lost (and reported); --buffer-size ${Math.min(MAX_PER_CPU_KB, 2 ** Math.ceil(Math.log2((bytesPerSecond * SLACK_S) / 1024)))}K holds ${SLACK_S} s`,
    );
  };
  const tick = () => {
    timer = null;
    try {
      const busiest = drain();
      if (++drains % STATS_EVERY === 0) checkLost();
      const now = Date.now();
      if (now - windowStart >= RATE_WINDOW_MS) {
        const perCpu = Math.max(...cpuBytes.map((bytes, i) => bytes - windowBase[i]!));
        advise((perCpu / (now - windowStart)) * 1000);
        windowStart = now;
        windowBase = cpuBytes.slice();
      }
      timer = setTimeout(tick, busiest >= pageBytes * 4 ? 1 : Date.now() - startedAt < STARTUP_MS ? Math.min(pollMs, STARTUP_POLL_MS) : pollMs);
    } catch (error) {
      stop();
      handlers.onError?.(error as Error);
    }
  };
  const stop = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (fds.length > 0) {
      try {
        drain(true);
        checkLost();
      } catch {
        // Stopping anyway.
      }
    }
    finish();
  };
  const startedAt = Date.now();
  timer = setTimeout(tick, 0);
  return {
    instance: instance.path,
    tracepoints,
    cpus,
    bufferSizeKb: () => bufferKb,
    lost: () => reportedLost.reduce((a, b) => a + b, 0),
    events: () => decoded,
    stop,
  };
}
