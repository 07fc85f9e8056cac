import { decodeConsoleBytes, parseChcp, plausibility } from "../../lib/codepage.js";
import { exec as systemExec, type ExecRunner } from "../../lib/exec.js";
import { select, type CommandCollectOptions, type CommandCollectResult } from "../command-collect.js";
import { parseNetstatAno } from "./parse-netstat-ano.js";
import { parseTasklist } from "./parse-tasklist.js";
import { windowsState } from "./state-words.js";
import { append } from "../../lib/append.js";

/**
 * Live Windows sockets: `chcp` for the console code page, `netstat -ano` decoded in it, and one
 * `tasklist /fo csv /nh` for every process name (not one call a PID). Commands run through the
 * injected `exec` (fixed arguments, no shell, a time limit and an output cap), so tests hand
 * in recorded bytes and this code runs on any system.
 */

const LIMITS = { timeoutMs: 20_000, maxBytes: 64 * 1024 * 1024 };

/** Scores a guessed decoding of netstat output by the state words it makes readable. */
export function netstatScore(text: string): number {
  let score = 0;
  for (const m of text.matchAll(/^\s*TCP\s+\S+\s+\S+\s+(\S+(?:\s\S+)*?)(?:\s+\d+)?\s*$/gim)) {
    score += windowsState(m[1] as string) ? 10 : -10;
  }
  return score + plausibility(text);
}

/** The console's code page, or null when chcp cannot tell (the bytes are then guessed). */
async function readCodePage(exec: ExecRunner): Promise<number | null> {
  try {
    // chcp is chcp.com: without a shell, Windows only appends .exe to a bare name.
    return parseChcp((await exec("chcp.com", [], { timeoutMs: 5_000, maxBytes: 4096 })).toString("latin1"));
  } catch {
    return null;
  }
}

export async function collectWindowsNetstat(options: CommandCollectOptions): Promise<CommandCollectResult> {
  const exec = options.exec ?? systemExec;
  const codePage = await readCodePage(exec);
  const raw = await exec("netstat", ["-ano"], LIMITS);
  const text = await decodeConsoleBytes(raw, { codePage, score: netstatScore });
  const parsed = parseNetstatAno(text, { source: "netstat -ano" });
  const records = select(parsed.records, options);
  const problems = [...parsed.problems];
  const notices: string[] = [];

  if (options.owners && records.some((r) => r.pid !== null)) {
    try {
      const list = await exec("tasklist", ["/fo", "csv", "/nh"], LIMITS);
      const tasks = parseTasklist(await decodeConsoleBytes(list, { codePage }), "tasklist /fo csv /nh");
      append(problems, tasks.problems);
      for (const r of records) if (r.pid !== null) r.process = tasks.names.get(r.pid) ?? r.process;
    } catch (error) {
      notices.push(`process names are missing: tasklist failed (${(error as Error).message})`);
    }
  }
  return { records, problems, notices };
}
