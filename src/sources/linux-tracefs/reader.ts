import { closeSync, constants, openSync, readFileSync, readSync } from "node:fs";
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
 * and the caller's signal handlers, which call stop(). A run killed with SIGKILL leaves it
 * behind; the next run removes it (removeStaleInstances).
 */

export interface KernelTraceOptions {
  /** Per-CPU buffer in KiB; default chosen from the CPU count (defaultBufferKb). */
  bufferSizeKb?: number;
  /** Milliseconds between drains while quiet. */
  pollMs?: number;
  procRoot?: string;
}

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

export function startKernelTrace(options: KernelTraceOptions, handlers: KernelTraceHandlers): KernelTrace {
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
  try {
    return running(instance, root, fds, options, handlers, () => {
      if (stopped) return false;
      stopped = true;
      cleanup();
      process.off("exit", onExit);
      return true;
    });
  } catch (error) {
    stopped = true;
    cleanup();
    process.off("exit", onExit);
    if (error instanceof TracefsUnavailable) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new TracefsUnavailable(`tracing could not be set up (${code ?? (error as Error).message})`, "run as root; a locked-down kernel (lockdown=confidentiality) refuses tracing");
  }
}

function running(
  instance: TraceInstance,
  root: TracefsRoot,
  fds: number[],
  options: KernelTraceOptions,
  handlers: KernelTraceHandlers,
  finish: () => boolean,
): KernelTrace {
  const formats = new Map<KernelEventType, { format: ReturnType<typeof parseEventFormat>; text: string }>();
  const tracepoints: string[] = [];
  for (const [type, event] of Object.entries(TRACEPOINTS) as Array<[KernelEventType, string]>) {
    if (!instance.hasEvent(event)) {
      if (type === "transition") throw new TracefsUnavailable(`this kernel has no ${event.replace("/", ":")} tracepoint`, "it appeared in Linux 4.16");
      continue;
    }
    const text = instance.read(`events/${event}/format`);
    formats.set(type, { format: parseEventFormat(text), text });
    tracepoints.push(event);
  }
  const decode = makeDecoder(formats);
  const layout: PageLayout = pageLayoutOf(readFileSync(`${root.path}/events/header_page`, "utf8"));
  const cpus = instance.cpus();
  let bufferKb = options.bufferSizeKb ?? defaultBufferKb(cpus.length);
  instance.write("buffer_size_kb", String(bufferKb));
  // CLOCK_MONOTONIC, the clock of process.hrtime: event times convert to wall-clock time.
  let monoClock = true;
  try {
    instance.write("trace_clock", "mono");
  } catch {
    // Older kernels: the default clock; times are then approximate, and not held back (below).
    monoClock = false;
  }
  for (const event of tracepoints) instance.write(`events/${event}/enable`, "1");
  instance.write("tracing_on", "1");
  let pageBytes = 4096;
  try {
    pageBytes = Math.max(4096, Number(instance.read("buffer_subbuf_size_kb").trim()) * 1024);
  } catch {
    // Kernels before 6.8 have system-page-sized sub-buffers.
  }
  for (const cpu of cpus) fds.push(openSync(instance.file("per_cpu", `cpu${cpu}`, "trace_pipe_raw"), constants.O_RDONLY | constants.O_NONBLOCK));
  const page = Buffer.alloc(pageBytes);
  const reportedLost = cpus.map(() => 0);
  const missedPages = cpus.map(() => 0);
  const cpuBytes = cpus.map(() => 0);
  let decoded = 0;
  let drains = 0;
  let timer: NodeJS.Timeout | null = null;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;

  /** Reads every CPU until it has nothing; returns the largest byte count one CPU gave. */
  /**
   * Events of one CPU may be read before an earlier event of another CPU is (it was committed
   * just after that CPU was read). Events are handed out in time order up to a watermark: the
   * clock when this drain began, less 1 ms; later ones wait for the next drain. Without that,
   * a socket freed on one CPU and its memory reused at once by a new socket on another could
   * be seen in the wrong order, and the new socket lose its holder.
   */
  let held: KernelEvent[] = [];
  const drain = (final = false): number => {
    const watermark = Number(process.hrtime.bigint()) - 1e6;
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
      timer = setTimeout(tick, busiest >= pageBytes * 4 ? 1 : pollMs);
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
