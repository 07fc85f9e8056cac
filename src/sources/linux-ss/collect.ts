import { exec as realExec } from "../../lib/exec.js";
import { select, type CommandCollectOptions, type CommandCollectResult } from "../command-collect.js";
import { parseSs } from "./parse-ss.js";

/** `ss -tuanpe`: both protocols always, so the Netid column is there; filtered afterwards. */
export async function collectSs(o: CommandCollectOptions): Promise<CommandCollectResult> {
  const run = o.exec ?? realExec;
  const out = await run("ss", o.owners ? ["-tuanpe"] : ["-tuane"]);
  const parsed = parseSs(out.toString("utf8"), { source: "ss -tuanpe" });
  return { records: select(parsed.records, o), problems: parsed.problems, notices: [] };
}
