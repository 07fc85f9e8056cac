import type { TcpState } from "../model/state.js";
import type { LifespanEnd, TraceLifespan, TraceReset, TraceRetransmit, TraceTransition } from "../model/trace.js";

/**
 * Connections followed from their first state change to CLOSE, the way bcc's tcplife reports
 * them: how long each lived, which side sent the first FIN, how it ended. Pure: events in,
 * lifespans out. A socket is known by its kernel address (skaddr), or by its endpoints when
 * the events are sampled.
 *
 *   CLOSE -> SYN_SENT, SYN_SENT -> ESTABLISHED, ESTABLISHED -> FIN_WAIT1, FIN_WAIT1 -> FIN_WAIT2, FIN_WAIT2 -> CLOSE
 *   -> { closer: "active", ended: "orderly", lastState: "FIN_WAIT2", durationMs: ... }
 *
 * The kernel hands a connection that reaches TIME_WAIT to a small "timewait" socket that
 * has no tracepoint: the full socket's FIN_WAIT2 -> CLOSE (or CLOSING -> CLOSE) is where its
 * lifespan ends, as in tcplife.
 */

interface Life {
  startNs: number;
  startSeen: boolean;
  opener: TraceLifespan["opener"];
  closer: TraceLifespan["closer"];
  resetSent: boolean;
  resetReceived: boolean;
}

const FIN_STATES: ReadonlySet<TcpState> = new Set(["FIN_WAIT1", "FIN_WAIT2", "CLOSING", "LAST_ACK", "TIME_WAIT"]);

export const socketKey = (e: Pick<TraceTransition, "skaddr" | "localAddress" | "localPort" | "remoteAddress" | "remotePort">) =>
  e.skaddr ?? `${e.localAddress}|${e.localPort}|${e.remoteAddress}|${e.remotePort}`;

export class LifespanTracker {
  private lives = new Map<string, Life>();
  /** Marks a reset on its socket, for the lifespan's "how it ended". */
  reset(e: TraceReset): void {
    if (e.skaddr === null) return;
    const life = this.lives.get(e.skaddr);
    if (!life) return;
    if (e.kind === "reset-sent") life.resetSent = true;
    else life.resetReceived = true;
  }

  retransmit(_e: TraceRetransmit): void {}

  /** Follows one transition; returns the lifespan when the connection is gone. */
  transition(e: TraceTransition, monoNs: number): TraceLifespan | null {
    const key = socketKey(e);
    // A listening socket is not a connection: it has no lifespan.
    if (e.to === "LISTEN" || e.from === "LISTEN" && e.to === "CLOSE") {
      this.lives.delete(key);
      return null;
    }
    let life = this.lives.get(key);
    if (!life) {
      life = { startNs: monoNs, startSeen: e.from === "CLOSE" || e.from === "LISTEN", opener: e.from === "CLOSE" ? "active" : e.from === "LISTEN" ? "passive" : null, closer: null, resetSent: false, resetReceived: false };
      this.lives.set(key, life);
    }
    if (life.closer === null) {
      if (e.to === "CLOSE_WAIT") life.closer = "passive";
      else if (e.to === "CLOSING") life.closer = "simultaneous";
      else if (e.to === "FIN_WAIT1") life.closer = "active";
    } else if (life.closer === "active" && e.to === "CLOSING") life.closer = "simultaneous";
    if (e.to !== "CLOSE" || e.from === "CLOSE") return null;
    this.lives.delete(key);
    const { from: _from, to: _to, kind: _kind, ...common } = e;
    return {
      kind: "lifespan",
      ...common,
      durationMs: Math.max(0, (monoNs - life.startNs) / 1e6),
      startSeen: life.startSeen,
      opener: life.opener,
      closer: life.closer,
      ended: endOf(e, life),
      lastState: e.from,
    };
  }

  /** Connections being followed. */
  get size(): number {
    return this.lives.size;
  }
}

function endOf(e: TraceTransition, life: Life): LifespanEnd {
  if (life.resetReceived) return "reset-received";
  if (life.resetSent) return "reset-sent";
  if (e.sampled && life.closer === null) return "unknown";
  if (e.from === "SYN_SENT") return e.context === "process" ? "aborted" : "syn-timeout";
  if (life.closer !== null && FIN_STATES.has(e.from)) return "orderly";
  return "aborted";
}
