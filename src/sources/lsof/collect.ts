import { exec as realExec } from "../../lib/exec.js";
import { select, type CommandCollectOptions, type CommandCollectResult } from "../command-collect.js";
import { parseLsofFields } from "./parse-lsof-fields.js";

/** `lsof -nP -iTCP -iUDP -F pcnPtTf`: any Unix with lsof. lsof exits 1 when it found nothing. */
const LSOF_ARGS = ["-nP", "-w", "-iTCP", "-iUDP", "-F", "pcnPtTf"] as const;

export async function collectLsof(o: CommandCollectOptions): Promise<CommandCollectResult> {
  const run = o.exec ?? realExec;
  const out = await run("lsof", LSOF_ARGS, { okExitCodes: [0, 1] });
  const parsed = parseLsofFields(out.toString("utf8"), { source: "lsof -F" });
  const notices = [...parsed.notices];
  if (process.getuid?.() !== 0) notices.push("lsof shows only this user's sockets; run as root to see every process");
  return { records: select(parsed.records, o), problems: parsed.problems, notices };
}
