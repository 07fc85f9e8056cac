/**
 * What the collectors that run a command (netstat, ss, lsof, sockstat, PowerShell) share: their
 * options, keeping the protocols and families asked for, and BSD netstat's one run a protocol.
 */
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
