import { exec as realExec } from "../../lib/exec.js";
import { TcpstatError } from "../../errors.js";
import { netstatByProto, type CommandCollectOptions, type CommandCollectResult } from "../command-collect.js";
import { fillOwners } from "../fill-owners.js";
import { parseBsdNetstat } from "../macos-netstat/parse-netstat-anv.js";
import { parseSockstat } from "./parse-sockstat.js";
import { append } from "../../lib/append.js";

/**
 * FreeBSD: `netstat -an -p tcp|udp` (BSD netstat's layout, read by the macOS parser) gives every socket with its state and queues;
 * `sockstat -46` names the owners (user, command, pid), matched by endpoints.
 */
export async function collectFreebsd(o: CommandCollectOptions): Promise<CommandCollectResult> {
  const run = o.exec ?? realExec;
  const { records, problems, notices } = await netstatByProto(o, run, "-an", parseBsdNetstat);
  if (o.owners) {
    try {
      const out = await run("sockstat", ["-46"]);
      const owners = parseSockstat(out.toString("utf8"), { source: "sockstat -46" });
      append(problems, owners.problems);
      const missing = fillOwners(records, owners.records);
      if (missing > 0) notices.push(`${missing} socket(s) have no known owner in sockstat (run as root to see every process)`);
    } catch (error) {
      if (!(error instanceof TcpstatError)) throw error;
      notices.push(`owners unknown: ${error.message}`);
    }
  }
  return { records, problems, notices };
}
