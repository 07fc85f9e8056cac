import type { ChalkInstance } from "chalk";
import type { Explanation, StateCounts } from "../model/report.js";
import { TCP_STATES, type TcpState } from "../model/state.js";
import { paint, STATE_MEANING } from "../format/style.js";
import { renderDiagram } from "./diagram.js";
import { LANGUAGES, aliasesOf, kernelCode, type Lang, type StateText } from "./states/index.js";

/** The explanation of one state as JSON (ExplanationSchema). */
export function explainState(state: TcpState, lang: Lang, counts: StateCounts | null): Explanation {
  const text = LANGUAGES[lang].states[state];
  return {
    state,
    lang,
    aliases: aliasesOf(state),
    kernelCode: kernelCode(state),
    ...text,
    count: counts ? counts[state] : null,
  };
}

/** Display width: CJK and full-width forms take two columns. */
const charWidth = (ch: string) => (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1);

/** Columns a text takes on a terminal. */
export const displayWidth = (text: string) => [...text].reduce((n, ch) => n + charWidth(ch), 0);

/**
 * Wraps text to `width` columns with an indent: words stay whole; CJK text, which has no
 * spaces, may break between any two characters.
 */
export function wrap(text: string, width: number, indent = "  "): string {
  const room = Math.max(20, width - indent.length);
  const tokens = text.match(/[\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uffe6][，。；：、）」]?|[^\s\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uffe6]+|\s+/g) ?? [];
  const lines: string[] = [];
  let line = "";
  let used = 0;
  for (const token of tokens) {
    if (/^\s+$/.test(token)) {
      if (used > 0) {
        line += " ";
        used++;
      }
      continue;
    }
    const w = [...token].reduce((n, ch) => n + charWidth(ch), 0);
    if (used + w > room && used > 0) {
      lines.push(line.trimEnd());
      line = "";
      used = 0;
    }
    line += token;
    used += w;
  }
  if (line.trim() !== "") lines.push(line.trimEnd());
  return lines.map((l) => indent + l).join("\n");
}

const FIELDS: ReadonlyArray<keyof StateText> = ["meaning", "side", "enteredBy", "leftBy", "duration", "whenMany", "whatToDo"];

/**
 * One state for a person:
 *
 *   CLOSE_WAIT  (also written: close-wait, CLOSEWAIT; kernel state 8)
 *   On this machine now: 3 sockets
 *
 *   Meaning
 *     The peer has closed its side ...
 */
export function renderExplanation(e: Explanation, chalk: ChalkInstance, width: number): string {
  const labels = LANGUAGES[e.lang].labels;
  const out = [
    `${chalk.bold(paint(chalk, STATE_MEANING[e.state], e.state))}  (${labels.aliases} ${e.aliases.join(", ")}; kernel ${e.kernelCode})`,
  ];
  if (e.count !== null) out.push(`${labels.now} ${labels.sockets(e.count)}`);
  for (const field of FIELDS) out.push("", chalk.bold(labels[field]), wrap(e[field], width));
  return `${out.join("\n")}\n`;
}

/** No state given: the diagram with live counts, then a one-line index of the states. */
export function renderOverview(lang: Lang, counts: StateCounts | null, chalk: ChalkInstance, width: number): string {
  const { labels, states } = LANGUAGES[lang];
  const out = [chalk.bold(labels.diagramTitle), "", renderDiagram(counts, chalk), ""];
  for (const state of TCP_STATES) {
    const first = states[state].meaning;
    const n = counts ? ` (${counts[state]})` : "";
    out.push(wrap(`${state}${n}: ${first}`, width, "  "));
  }
  out.push("", wrap(labels.diagramHint, width, ""));
  return `${out.join("\n")}\n`;
}
