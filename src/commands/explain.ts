import { Command } from "commander";
import { EXIT, TcpstatError, usageError } from "../errors.js";
import { stdoutChalk, writeChunks, writeError } from "../io.js";
import { nearest } from "../lib/suggest.js";
import type { StateCounts } from "../model/report.js";
import { TCP_STATES, canonicalState, type TcpState } from "../model/state.js";
import { addSourceOptions, countReport, type SourceFlags } from "./list.js";
import { toJson } from "../lib/safe-text.js";

interface ExplainFlags extends SourceFlags {
  lang?: string;
  json?: boolean;
  color?: boolean;
}

export function registerExplain(program: Command): void {
  const cmd = new Command("explain")
    .description("what a TCP state means, who is in it, how long it lasts, what many of them mean; without STATE, the state diagram with live counts")
    .argument("[state]", "any spelling: CLOSE_WAIT, close-wait, SYN_RCVD, LISTENING, ...")
    .option("--lang <code>", "en, zh or fr (default: from LC_ALL, LC_MESSAGES or LANG)")
    .option("--json", "one JSON object (an array of all states without STATE)")
    .option("--color", "force colour")
    .option("--no-color", "never colour");
  addSourceOptions(cmd).action((state: string | undefined, flags: ExplainFlags) => runExplain(state, flags));
  program.addCommand(cmd);
}

function toState(word: string): TcpState {
  const state = canonicalState(word);
  if (state) return state;
  const guess = nearest(word.toUpperCase().replace(/-/g, "_"), TCP_STATES);
  throw usageError(`unknown TCP state '${word}'${guess ? ` (did you mean ${guess}?)` : ""}`, `choose one of: ${TCP_STATES.join(", ")}`);
}

/** Live counts per state; if the sockets cannot be read, explain still works, without them. */
async function liveCounts(flags: ExplainFlags): Promise<StateCounts | null> {
  try {
    return (await countReport({ ...flags, udp: false, tcp: true })).tcp.states;
  } catch (error) {
    // A mistake in the flags is still a usage error; a source that cannot be read only costs the counts.
    if (error instanceof TcpstatError && error.exitCode === EXIT.usage) throw error;
    if (!flags.quiet) writeError(`tcpstat: counts not shown: ${(error as Error).message}`);
    return null;
  }
}

export async function runExplain(word: string | undefined, flags: ExplainFlags): Promise<void> {
  const { LANGS, pickLang } = await import("../knowledge/states/index.js");
  const { explainState, renderExplanation, renderOverview } = await import("../knowledge/explain.js");
  let lang = pickLang();
  if (flags.lang !== undefined) {
    const code = flags.lang.toLowerCase().slice(0, 2);
    if (!(LANGS as readonly string[]).includes(code) || !/^[a-z]{2}([-_].*)?$/i.test(flags.lang))
      throw usageError(`unsupported language '${flags.lang}' for --lang`, `choose one of: ${LANGS.join(", ")}`);
    lang = code as typeof lang;
  }
  const state = word === undefined ? undefined : toState(word);
  const counts = await liveCounts(flags);
  const chalk = await stdoutChalk(flags.color);
  const width = Math.min(process.stdout.columns || 80, 100);
  if (flags.json) {
    const body = state ? explainState(state, lang, counts) : TCP_STATES.map((s) => explainState(s, lang, counts));
    await writeChunks([`${toJson(body, 2)}\n`]);
    return;
  }
  await writeChunks([state ? renderExplanation(explainState(state, lang, counts), chalk, width) : renderOverview(lang, counts, chalk, width)]);
}
