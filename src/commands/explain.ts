import { Command } from "commander";
import { EXIT, TcpstatError, usageError } from "../errors.js";
import { stdoutChalk, writeChunks, writeError } from "../io.js";
import { nearest } from "../lib/suggest.js";
import type { LessonName, StateCounts } from "../model/report.js";
import type { Lang } from "../knowledge/states/index.js";
import { TCP_STATES, canonicalState, type TcpState } from "../model/state.js";
import { countReport } from "../load/load-report.js";
import { addSourceOptions, type SourceFlags } from "../load/source-options.js";
import { toJson } from "../lib/safe-text.js";

interface ExplainFlags extends SourceFlags {
  lang?: string;
  json?: boolean;
  color?: boolean;
}

export function registerExplain(program: Command): void {
  const cmd = new Command("explain")
    .description(
      "what a TCP state means, who is in it, how long it lasts, what many of them mean; handshake and teardown tell the opening and the close; without STATE, the state diagram with live counts",
    )
    .argument("[state]", "any spelling: CLOSE_WAIT, close-wait, SYN_RCVD, LISTENING, ...; or a lesson: handshake, teardown")
    .option("--lang <code>", "en, zh or fr (default: from LC_ALL, LC_MESSAGES or LANG)")
    .option("--json", "one JSON object (an array of all states without STATE)")
    .option("--color", "force colour")
    .option("--no-color", "never colour");
  addSourceOptions(cmd, { protos: "tcp-only", owners: false, habits: false }).action((state: string | undefined, flags: ExplainFlags) => runExplain(state, flags));
  program.addCommand(cmd);
}

function toState(word: string, lessonNames: readonly string[]): TcpState {
  const state = canonicalState(word);
  if (state) return state;
  const guess = nearest(word.toUpperCase().replace(/-/g, "_"), TCP_STATES) ?? nearest(word.toLowerCase(), lessonNames);
  // The same words as --state's error (src/lib/filter.ts), for the states explain knows, then its lessons.
  throw usageError(
    `unknown state '${word}'${guess ? ` (did you mean ${guess}?)` : ""}`,
    `valid states: ${TCP_STATES.join(", ")}; or a lesson: ${lessonNames.join(", ")}`,
  );
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
  const { explainState } = await import("../knowledge/explain.js");
  const { renderExplanation, renderOverview } = await import("../format/explain.js");
  let lang = pickLang();
  if (flags.lang !== undefined) {
    const code = flags.lang.toLowerCase().slice(0, 2);
    if (!(LANGS as readonly string[]).includes(code) || !/^[a-z]{2}([-_].*)?$/i.test(flags.lang))
      throw usageError(`unsupported language '${flags.lang}' for --lang`, `choose one of: ${LANGS.join(", ")}`);
    lang = code as typeof lang;
  }
  let state: TcpState | undefined;
  if (word !== undefined) {
    const lessons = await import("../knowledge/lessons/index.js");
    const lesson = lessons.lessonNamed(word);
    if (lesson) return writeLesson(lessons, lesson, lang, flags);
    state = toState(word, lessons.LESSONS);
  }
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

/** A lesson needs no sockets: it is told without reading them. */
async function writeLesson(lessons: typeof import("../knowledge/lessons/index.js"), name: LessonName, lang: Lang, flags: ExplainFlags): Promise<void> {
  const lesson = lessons.buildLesson(name, lang);
  if (flags.json) return writeChunks([`${JSON.stringify(lesson, null, 2)}\n`]);
  const chalk = await stdoutChalk(flags.color);
  const width = Math.min(process.stdout.columns || 80, 100);
  const { renderLesson } = await import("../format/lesson.js");
  await writeChunks([renderLesson(lesson, chalk, width)]);
}
