import type { SocketRecord } from "../model/socket.js";

/** Key that identifies one socket across tools (netstat vs lsof vs sockstat). */
const endpointKey = (r: SocketRecord) => `${r.proto}|${r.localAddress}|${r.localPort}|${r.remoteAddress ?? "*"}|${r.remotePort ?? "*"}`;

/** Fills pid, process and user from another tool's records of the same sockets. Returns how many stayed unknown. */
export function fillOwners(records: SocketRecord[], owners: readonly SocketRecord[]): number {
  const byKey = new Map<string, SocketRecord>();
  for (const o of owners) {
    if (o.pid === null) continue;
    const key = endpointKey(o);
    if (!byKey.has(key)) byKey.set(key, o);
  }
  let missing = 0;
  for (const r of records) {
    if (r.pid !== null) continue;
    const o = byKey.get(endpointKey(r));
    if (o) {
      r.pid = o.pid;
      r.process = o.process;
      if (o.owners) r.owners = o.owners.map((holder) => ({ ...holder }));
      r.user ??= o.user;
      r.uid ??= o.uid;
    } else if (r.state !== "TIME_WAIT") missing++;
  }
  return missing;
}
