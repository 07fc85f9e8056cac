import type { ChalkInstance } from "chalk";
import type { Explanation, StateCounts } from "../model/report.js";
import { TCP_STATES } from "../model/state.js";
import { LANGUAGES, type Lang, type StateText } from "../knowledge/states/index.js";
import { renderDiagram } from "./state-diagram.js";
import { paint, STATE_MEANING } from "./style.js";
import { wrap } from "./wrap.js";

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
