import type { TcpState } from "../model/state.js";
import type { TraceEvent, TraceSummary } from "../model/trace.js";

/**
 * The running totals of a trace and its end-of-run summary: transitions by from -> to,
 * connections opened and closed, resets, retransmits, lost events, and lifetimes by local
 * port (count, median, p99). Pure: events in, counts out; `serve --trace` reads the same totals.
 */

/** Samples kept per port for the percentiles; beyond it a reservoir keeps a fair sample. */
const SAMPLES_PER_PORT = 10_000;
/** Ports listed in the summary's lifetimes; the rest are summed. */
const MAX_PORTS = 100;

export interface TraceCounters {
  transitions: Map<string, number>;
  opened: number;
  closed: number;
  resetsSent: number;
  resetsReceived: number;
  retransmits: number;
  lost: number;
  unattributed: number;
}

export class TraceTotals {
  readonly counters: TraceCounters = { transitions: new Map(), opened: 0, closed: 0, resetsSent: 0, resetsReceived: 0, retransmits: 0, lost: 0, unattributed: 0 };
  /** By "L<local port>" or "R<remote port>" (connections opened from here). */
  private lifetimes = new Map<string, { count: number; samples: number[] }>();

  add(e: TraceEvent): void {
    const c = this.counters;
    switch (e.kind) {
      case "transition": {
        const key = `${e.from}>${e.to}`;
        c.transitions.set(key, (c.transitions.get(key) ?? 0) + 1);
        if (e.to === "ESTABLISHED" && e.from !== "ESTABLISHED") c.opened++;
        break;
      }
      case "reset-sent":
        c.resetsSent++;
        break;
      case "reset-received":
        c.resetsReceived++;
        break;
      case "retransmit":
        c.retransmits++;
        break;
      case "lost":
        c.lost += e.count;
        break;
      case "lifespan": {
        c.closed++;
        const key = e.opener === "active" ? `R${e.remotePort}` : `L${e.localPort}`;
        let port = this.lifetimes.get(key);
        if (!port) this.lifetimes.set(key, (port = { count: 0, samples: [] }));
        port.count++;
        if (port.samples.length < SAMPLES_PER_PORT) port.samples.push(e.durationMs);
        else {
          const slot = Math.floor(Math.random() * port.count);
          if (slot < SAMPLES_PER_PORT) port.samples[slot] = e.durationMs;
        }
        break;
      }
      case "summary":
        break;
    }
  }

  summary(source: TraceSummary["source"], seconds: number, time = new Date()): TraceSummary {
    const c = this.counters;
    const transitions = [...c.transitions]
      .map(([key, count]) => {
        const [from, to] = key.split(">") as [TcpState, TcpState];
        return { from, to, count };
      })
      .sort((a, b) => b.count - a.count || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
    const all = [...this.lifetimes]
      .map(([key, { count, samples }]) => {
        const sorted = [...samples].sort((a, b) => a - b);
        const port = Number(key.slice(1));
        return { localPort: key[0] === "L" ? port : null, remotePort: key[0] === "R" ? port : null, count, medianMs: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99) };
      })
      .sort((a, b) => b.count - a.count || (a.localPort ?? a.remotePort!) - (b.localPort ?? b.remotePort!));
    const lifetimes = all.slice(0, MAX_PORTS);
    const rest = all.slice(MAX_PORTS);
    return {
      kind: "summary",
      time: time.toISOString(),
      source,
      seconds,
      transitions,
      opened: c.opened,
      closed: c.closed,
      resetsSent: c.resetsSent,
      resetsReceived: c.resetsReceived,
      retransmits: c.retransmits,
      lost: c.lost,
      unattributed: c.unattributed,
      lifetimes,
      lifetimesLeftOut: { ports: rest.length, count: rest.reduce((n, l) => n + l.count, 0) },
    };
  }
}

/** Nearest-rank quantile of sorted values (0 for none). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return Math.round(sorted[rank - 1]! * 1000) / 1000;
}
