import type { TcpState } from "../../model/state.js";
import type { TraceEvent, TraceReset, TraceRetransmit, TraceTransition } from "../../model/trace.js";

type Followed = TraceTransition | TraceReset | TraceRetransmit;
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
  /** The kernel's events carry CLOCK_MONOTONIC, which is Node's hrtime on Linux: times from the lab's start. */
  private readonly start = process.hrtime.bigint();
  private readonly off: () => void;

  constructor(readonly session: TraceSession) {
    this.off = session.on((e: TraceEvent) => {
      if (e.kind === "transition" || e.kind === "reset-sent" || e.kind === "reset-received" || e.kind === "retransmit") {
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
    const isMark = (e: Followed) => e.localPort === port && e.remotePort === 0;
    const closed = (e: Followed) => isMark(e) && e.kind === "transition" && e.to === "CLOSE";
    if (!this.seen.some(closed)) {
      // Bounded: events the kernel dropped (an overrun, reported by the trace) must not hang the lab.
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 5000);
        this.waiting = (e) => {
          if (closed(e)) resolve();
        };
      });
      clearTimeout(timer);
      this.waiting = undefined;
    }
    this.seen = this.seen.filter((e) => !isMark(e));
  }

  /** The events since the last call, ports filled in from later events of the same socket. */
  drain(): LabEvent[] {
    const events = this.seen;
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
