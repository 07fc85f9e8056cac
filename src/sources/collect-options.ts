import type { ExecRunner } from "../lib/exec.js";
import type { Family, Problem, Proto, SocketRecord } from "../model/socket.js";

/** What every command-running collector takes: the selection and the OS seam (an exec runner). */
export interface CommandCollectOptions {
  protos: readonly Proto[];
  families: readonly Family[];
  owners: boolean;
  /** Runs a command; tests pass a fake that returns captured output. */
  exec?: ExecRunner;
}

export interface CommandCollectResult {
  records: SocketRecord[];
  problems: Problem[];
  notices: string[];
}

/** Keeps the selected protocols and families. */
export function select(records: SocketRecord[], o: Pick<CommandCollectOptions, "protos" | "families">): SocketRecord[] {
  return records.filter((r) => o.protos.includes(r.proto) && o.families.includes(r.family));
}

/** Key that identifies one socket across tools (netstat vs lsof vs sockstat). */
export const endpointKey = (r: SocketRecord) => `${r.proto}|${r.localAddress}|${r.localPort}|${r.remoteAddress ?? "*"}|${r.remotePort ?? "*"}`;

/** Fills pid, process and user from another tool's records of the same sockets. Returns how many stayed unknown. */
export function fillOwners(records: SocketRecord[], owners: readonly SocketRecord[]): number {
  const byKey = new Map<string, SocketRecord>();
  for (const o of owners) if (o.pid !== null && !byKey.has(endpointKey(o))) byKey.set(endpointKey(o), o);
  let missing = 0;
  for (const r of records) {
    if (r.pid !== null) continue;
    const o = byKey.get(endpointKey(r));
    if (o) {
      r.pid = o.pid;
      r.process = o.process;
      r.user ??= o.user;
      r.uid ??= o.uid;
    } else if (r.state !== "TIME_WAIT") missing++;
  }
  return missing;
}
