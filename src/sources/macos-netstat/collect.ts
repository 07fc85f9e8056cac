import { exec as realExec } from "../../lib/exec.js";
import { TcpstatError } from "../../errors.js";
import { netstatByProto, type CommandCollectOptions, type CommandCollectResult } from "../command-collect.js";
import { fillOwners } from "../fill-owners.js";
import { collectLsof } from "../lsof/collect.js";
import { parseBsdNetstat } from "./parse-netstat-anv.js";

/**
 * macOS: `netstat -anv -p tcp` and `-p udp` (states, queues and, since Mojave, pids), then
 * `lsof -F` only when netstat left pids unknown (older releases, or a layout without pid).
 */
export async function collectMacos(o: CommandCollectOptions): Promise<CommandCollectResult> {
  const run = o.exec ?? realExec;
  const { records, problems, notices } = await netstatByProto(o, run, "-anv", parseBsdNetstat);
  if (o.owners && records.some((r) => r.pid === null && r.state !== "TIME_WAIT")) {
    try {
      const lsof = await collectLsof({ ...o, exec: run });
      const missing = fillOwners(records, lsof.records);
      if (missing > 0) notices.push(`${missing} socket(s) have no known owner: netstat gave no pid and lsof did not list them (run as root)`);
    } catch (error) {
      if (!(error instanceof TcpstatError)) throw error;
      notices.push(`owners unknown: netstat printed no pids and lsof failed (${error.message})`);
    }
  }
  return { records, problems, notices };
}
