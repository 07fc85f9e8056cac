import type { TraceEvent } from "../model/trace.js";
import { TOP_PORTS, family, sample, type Labels } from "./prometheus.js";

/**
 * `tcpstat serve --trace`: counters of what the trace saw since serve started, kept from its
 * events (src/trace.ts) and written with each scrape:
 *
 *   tcpstat_trace_transitions_total{from="ESTABLISHED",to="CLOSE_WAIT"} 12
 *   tcpstat_trace_resets_total{direction="sent"} 3
 *   tcpstat_trace_connection_lifetime_seconds_bucket{side="local",port="8080",le="0.1"} 40
 *
 * Lifetimes are by port as tcpstat_port_sockets counts connections: the local (listening) port
 * for one accepted here (side="local"), the peer's port for one opened from here (side="remote");
 * where the trace did not see the opening, by whether something listens on the local port.
 * Counters never go back, so a label, once given, stays: the first TOP_PORTS (side, port)
 * pairs seen get their own series and later ones are counted as port="other".
 */

/** Upper bounds of the lifetime histogram, in seconds: a millisecond to an hour. */
export const LIFETIME_BUCKETS = [0.001, 0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 1800, 3600] as const;

interface Histogram {
  labels: Labels;
  buckets: number[];
  sum: number;
  count: number;
}

export class TraceMetrics {
  private readonly transitions = new Map<string, number>();
  private resetsSent = 0;
  private resetsReceived = 0;
  private lost = 0;
  private unattributed = 0;
  private readonly lifetimes = new Map<string, Histogram>();
  /** Local ports something listens on: from the socket table (setListening) and from passive opens. */
  private listening = new Set<number>();

  constructor(readonly source: "tracefs" | "sampled") {}

  /** The listening ports of the latest collection (a port seen listening once stays known). */
  setListening(ports: Iterable<number>): void {
    for (const port of ports) this.listening.add(port);
  }

  /** The session's count of events left out because their namespace could not be told. */
  setUnattributed(count: number): void {
    this.unattributed = count;
  }

  add(e: TraceEvent): void {
    switch (e.kind) {
      case "transition": {
        if (e.from === "LISTEN") this.listening.add(e.localPort);
        const key = `${e.from}>${e.to}`;
        this.transitions.set(key, (this.transitions.get(key) ?? 0) + 1);
        break;
      }
      case "reset-sent":
        this.resetsSent++;
        break;
      case "reset-received":
        this.resetsReceived++;
        break;
      case "lost":
        this.lost += e.count;
        break;
      case "lifespan": {
        // a connection open before the trace began has no known lifetime
        if (!e.startSeen) break;
        // accepted here (passive open): the listening port; opened from here: the peer's port
        const local = e.opener === "passive" || (e.opener === null && this.listening.has(e.localPort));
        this.observe(local ? "local" : "remote", local ? e.localPort : e.remotePort, e.durationMs / 1000);
        break;
      }
      default:
        break;
    }
  }

  private observe(side: "local" | "remote", port: number, seconds: number): void {
    let key = `${side}|${port}`;
    if (!this.lifetimes.has(key) && this.lifetimes.size >= TOP_PORTS) key = `${side}|other`;
    let h = this.lifetimes.get(key);
    if (!h) {
      h = { labels: [["side", side], ["port", key.split("|")[1]!]], buckets: LIFETIME_BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.lifetimes.set(key, h);
    }
    LIFETIME_BUCKETS.forEach((le, i) => {
      if (seconds <= le) h.buckets[i]!++;
    });
    h.sum += seconds;
    h.count++;
  }

  *render(): Iterable<string> {
    yield* family("tcpstat_trace_info", "gauge", "Always 1: where serve --trace takes its events from (source tracefs: every change; sampled: the socket table polled, short states missed).", [
      sample("tcpstat_trace_info", [["source", this.source]], 1),
    ]);
    const transitions = [...this.transitions].sort(([a], [b]) => (a < b ? -1 : 1));
    yield* family(
      "tcpstat_trace_transitions_total",
      "counter",
      "TCP state changes seen by serve --trace since it started, by the state left and the state entered.",
      transitions.map(([key, n]) => {
        const [from, to] = key.split(">") as [string, string];
        return sample("tcpstat_trace_transitions_total", [["from", from], ["to", to]], n);
      }),
    );
    yield* family("tcpstat_trace_resets_total", "counter", "TCP resets seen by serve --trace since it started: sent by this host, or received from a peer.", [
      sample("tcpstat_trace_resets_total", [["direction", "sent"]], this.resetsSent),
      sample("tcpstat_trace_resets_total", [["direction", "received"]], this.resetsReceived),
    ]);
    yield* family("tcpstat_trace_lost_events_total", "counter", "Trace events the kernel dropped because serve --trace fell behind (its per-CPU buffer overflowed).", [
      sample("tcpstat_trace_lost_events_total", [], this.lost),
    ]);
    yield* family(
      "tcpstat_trace_unattributed_events_total",
      "counter",
      "Kernel events serve --trace left out because it could not tell their network namespace (tracepoints see the whole machine); the counts above may miss some of them.",
      [sample("tcpstat_trace_unattributed_events_total", [], this.unattributed)],
    );
    const name = "tcpstat_trace_connection_lifetime_seconds";
    const samples: string[] = [];
    for (const h of this.lifetimes.values()) {
      LIFETIME_BUCKETS.forEach((le, i) => samples.push(sample(`${name}_bucket`, [...h.labels, ["le", String(le)]], h.buckets[i]!)));
      samples.push(sample(`${name}_bucket`, [...h.labels, ["le", "+Inf"]], h.count));
      samples.push(sample(`${name}_sum`, h.labels, Number(h.sum.toFixed(6))));
      samples.push(sample(`${name}_count`, h.labels, h.count));
    }
    yield* family(
      name,
      "histogram",
      `Lifetimes of connections that began and ended while serve --trace ran, by port: side="local" for a port this host listens on, "remote" for the peer's; the first ${TOP_PORTS} ports seen have their own series, later ones port="other".`,
      samples,
    );
  }
}
