import { DROP_REASONS, type ServeStats } from "../lib/metrics-server.js";
import { family, sample } from "./prometheus.js";

/**
 * `tcpstat serve`'s own series, written with each scrape: what it holds for its clients and
 * whom it dropped (src/lib/metrics-server.ts). The values are those of the moment the scrape's
 * collection ran, so the body carrying them is not in them.
 *
 *   tcpstat_serve_held_bytes 10485760
 *   tcpstat_serve_held_bytes_peak 20971520
 *   tcpstat_serve_response_bytes_max 10485760
 *   tcpstat_serve_dropped_clients_total{reason="superseded"} 12
 */
export function* renderServeStats(stats: ServeStats): Iterable<string> {
  yield* family("tcpstat_serve_held_bytes", "gauge", "Bytes of the distinct response bodies serve is still sending to clients (a body shared by several counts once).", [
    sample("tcpstat_serve_held_bytes", [], stats.heldBytes),
  ]);
  yield* family(
    "tcpstat_serve_held_bytes_peak",
    "gauge",
    "Most response bytes held at once since serve started, counting a body from the moment it is made; bounded by twice tcpstat_serve_response_bytes_max.",
    [sample("tcpstat_serve_held_bytes_peak", [], stats.heldBytesPeak)],
  );
  yield* family("tcpstat_serve_response_bytes_max", "gauge", "Largest /metrics response body made since serve started.", [
    sample("tcpstat_serve_response_bytes_max", [], stats.largestBodyBytes),
  ]);
  yield* family(
    "tcpstat_serve_dropped_clients_total",
    "counter",
    "Clients dropped since serve started: superseded (still being sent an older body than the newest when a collection started), stalled (took nothing of its answer for 5 s, or --timeout if shorter), evicted (slot given to a newcomer), full (refused: every slot answering a reading client).",
    DROP_REASONS.map((reason) => sample("tcpstat_serve_dropped_clients_total", [["reason", reason]], stats.dropped[reason])),
  );
}
