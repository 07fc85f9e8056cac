import type { ExecRunner } from "../lib/exec.js";
import type { Family, ParseResult, Problem, Proto, SocketRecord } from "../model/socket.js";
import { append } from "../lib/append.js";

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

/**
 * BSD netstat lists one protocol a run (`netstat -an -p tcp`, then `-p udp`): runs it for each
 * protocol asked for, with `flags` before `-p`, and gathers what the parser reads.
 */
export async function netstatByProto(
  o: CommandCollectOptions,
  run: ExecRunner,
  flags: string,
  parse: (text: string, options: { source: string }) => ParseResult & { notices: string[] },
): Promise<CommandCollectResult> {
  const result: CommandCollectResult = { records: [], problems: [], notices: [] };
  for (const proto of o.protos) {
    const out = await run("netstat", [flags, "-p", proto]);
    const parsed = parse(out.toString("utf8"), { source: `netstat ${flags} -p ${proto}` });
    append(result.records, select(parsed.records, o));
    append(result.problems, parsed.problems);
    result.notices.push(...parsed.notices);
  }
  return result;
}
