import { exec as realExec } from "../../lib/exec.js";
import { select, type CommandCollectOptions, type CommandCollectResult } from "../command-collect.js";
import { parseLinuxNetstat } from "./parse-netstat-tuanp.js";

/** net-tools `netstat -tuanpe` (User and Inode columns, numeric). */
export async function collectLinuxNetstat(o: CommandCollectOptions): Promise<CommandCollectResult> {
  const run = o.exec ?? realExec;
  const out = await run("netstat", o.owners ? ["-tuanpe"] : ["-tuane"]);
  const parsed = parseLinuxNetstat(out.toString("utf8"), { source: "netstat -tuanpe" });
  return { records: select(parsed.records, o), problems: parsed.problems, notices: [] };
}
