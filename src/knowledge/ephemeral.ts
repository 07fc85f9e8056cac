import { formatEndpoint } from "../lib/endpoint.js";
import type { SocketRecord } from "../model/socket.js";

/**
 * Ephemeral ports in use, per destination: the count doctor's `ephemeral` rule and the
 * `tcpstat_ephemeral_ports_used_max` metric both read. A local port can be reused toward
 * different destinations, so exhaustion is per destination (address and port):
 *
 *   range 32768-60999, 3 TCP sockets from 127.0.0.1:40001..40003 to 10.0.0.5:5432
 *   -> Map { "10.0.0.5:5432" => { used: 3, sockets: [...] } }
 */
export interface EphemeralUse {
  /** Distinct local ports of the range in use toward this destination. */
  used: number;
  sockets: SocketRecord[];
}

export const rangeSize = ([lo, hi]: readonly [number, number]): number => hi - lo + 1;

export function ephemeralUse(records: readonly SocketRecord[], [lo, hi]: readonly [number, number]): Map<string, EphemeralUse> {
  const byDest = new Map<string, { ports: Set<number>; sockets: SocketRecord[] }>();
  for (const r of records) {
    if (r.proto !== "tcp" || r.remotePort === null || r.state === "LISTEN" || r.localPort < lo || r.localPort > hi) continue;
    const dest = formatEndpoint(r.remoteAddress, r.remotePort, r.family);
    let entry = byDest.get(dest);
    if (!entry) byDest.set(dest, (entry = { ports: new Set(), sockets: [] }));
    entry.ports.add(r.localPort);
    entry.sockets.push(r);
  }
  return new Map([...byDest].map(([dest, { ports, sockets }]) => [dest, { used: ports.size, sockets }]));
}
