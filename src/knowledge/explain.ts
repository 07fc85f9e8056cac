import type { Explanation, StateCounts } from "../model/report.js";
import type { TcpState } from "../model/state.js";
import { LANGUAGES, aliasesOf, kernelCode, type Lang } from "./states/index.js";

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
