import type { TcpState } from "../../model/state.js";
import type { TraceEvent, TraceReset, TraceRetransmit, TraceTransition } from "../../model/trace.js";

type Followed = TraceTransition | TraceReset | TraceRetransmit;

/** How long a step waits for the trace to catch up before it goes on without. */
const MARK_WAIT_MS = 30_000;
import type { TraceSession } from "../../trace.js";

/**
 * What the lab prints between two listings: the trace's events for the lab's namespace.
 *
 *   +0.412s  server  127.0.0.1:7000 → 127.0.0.1:41234  ESTABLISHED → FIN_WAIT1  lab-server
 */
export interface LabEvent {
  ms: number;
  kind: "transition" | "reset-sent" | "reset-received" | "retransmit" | "note";
  local: string;
  remote: string;
  localPort: number;
  from: TcpState | null;
  to: TcpState | null;
  process: string | null;
  /** Where the line comes from when not from the trace ("listing"), or a note about it. */
  note?: string;
}

/** Collects the trace's socket events as they come; the lab takes them at the end of each step. */
export class TraceObserver {
  private seen: Followed[] = [];
  private waiting: ((e: Followed) => void) | undefined;
  /** Ports of the holder's marks: their two events are the lab's own, never shown. */
  private readonly markPorts = new Set<number>();
  private lostCount = 0;
  /** The kernel's events carry CLOCK_MONOTONIC, which is Node's hrtime on Linux: times from the lab's start. */
  private readonly start = process.hrtime.bigint();
  private readonly off: () => void;

  constructor(readonly session: TraceSession) {
    this.off = session.on((e: TraceEvent) => {
      if (e.kind === "lost") this.lostCount += e.count;
      else if (e.kind === "transition" || e.kind === "reset-sent" || e.kind === "reset-received" || e.kind === "retransmit") {
        this.seen.push(e);
        this.waiting?.(e);
      }
    });
  }

  get traced(): boolean {
    return this.session.source === "tracefs";
  }

  /**
   * Waits until the trace has caught up with everything done so far: `mark()` makes two state
   * changes in the namespace (a listener opened and closed), and once the second one has come
   * through the trace, so has every change made before it. Those two are not shown. Sampled,
   * a change is seen at the next poll: waiting for two polls is enough.
   */
  async settle(mark: () => Promise<number>): Promise<void> {
    if (!this.traced) return new Promise((resolve) => setTimeout(resolve, 2 * (this.session.sampleIntervalMs ?? 100)));
    const port = await mark();
    this.markPorts.add(port);
    const closed = (e: Followed) => e.localPort === port && e.remotePort === 0 && e.kind === "transition" && e.to === "CLOSE";
    if (!this.seen.some(closed)) {
      // Bounded: on a starved machine the reader lags by seconds; events the kernel dropped
      // (counted in `lost`) must not hang the lab. A mark that comes later is still left out.
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        timer = setTimeout(resolve, MARK_WAIT_MS);
        this.waiting = (e) => {
          if (closed(e)) resolve();
        };
      });
      clearTimeout(timer);
      this.waiting = undefined;
    }
  }

  /** Events the kernel dropped so far (buffer overruns), as the trace reported them. */
  get lost(): number {
    return this.lostCount;
  }

  /** The events since the last call, ports filled in from later events of the same socket. */
  drain(): LabEvent[] {
    const events = this.seen.filter((e) => !(this.markPorts.has(e.localPort) && e.remotePort === 0));
    this.seen = [];
    // connect() reports CLOSE -> SYN_SENT before its port is chosen: the socket's next event
    // has it (the next one only: a freed socket's address is soon another socket's).
    const nextPort = (i: number) => events.slice(i + 1).find((n) => n.skaddr === events[i]!.skaddr)?.localPort ?? 0;
    const out: LabEvent[] = [];
    for (const [i, e] of events.entries()) {
      const localPort = e.localPort === 0 && e.skaddr ? nextPort(i) : e.localPort;
      // The kernel sometimes sets a state again (FIN_WAIT1 -> FIN_WAIT1): no change to show.
      if (e.kind === "transition" && e.from === e.to) continue;
      const listener = e.remotePort === 0;
      out.push({
        ms: Math.max(0, Number((BigInt(e.monoNs) - this.start) / 1_000_000n)),
        kind: e.kind,
        local: `${e.localAddress}:${localPort}`,
        remote: listener ? "*:*" : `${e.remoteAddress}:${e.remotePort}`,
        localPort,
        from: e.kind === "transition" ? e.from : e.state,
        to: e.kind === "transition" ? e.to : null,
        process: e.process,
      });
    }
    return out;
  }

  /** Milliseconds since the lab began, on the trace's clock. */
  elapsedMs(): number {
    return Number((process.hrtime.bigint() - this.start) / 1_000_000n);
  }

  stop(): void {
    this.off();
    this.session.stop();
  }
}
