import { LINUX_TCP_STATES, STATE_SPELLINGS, canonicalState, type TcpState } from "../../model/state.js";
import { en } from "./en.js";
import { fr } from "./fr.js";
import { zh } from "./zh.js";
import { LANGS, type Lang, type Language } from "./types.js";

export { LANGS, type Lang, type Language, type StateText } from "./types.js";

export const LANGUAGES: Readonly<Record<Lang, Language>> = { en, zh, fr };

/**
 * The language for explanations: --lang, else the locale (LC_ALL, then LC_MESSAGES, then LANG,
 * as POSIX orders them), else English. "zh_CN.UTF-8" -> zh, "fr_CA" -> fr, "C" -> en.
 */
export function pickLang(env: NodeJS.ProcessEnv = process.env): Lang {
  for (const name of ["LC_ALL", "LC_MESSAGES", "LANG"]) {
    const value = env[name];
    if (!value) continue;
    const code = value.slice(0, 2).toLowerCase();
    return (LANGS as readonly string[]).includes(code) ? (code as Lang) : "en";
  }
  return "en";
}

/** The ss spelling of a state: "SYN_RECV" -> "syn-recv". */
export const ssSpelling = (state: TcpState) => state.toLowerCase().replace(/_/g, "-");

/** Every accepted spelling of a state, besides its canonical name, for the "also written" line. */
export function aliasesOf(state: TcpState): string[] {
  const words = new Set<string>([ssSpelling(state)]);
  const canonicalKey = state.replace(/_/g, "");
  for (const spelling of STATE_SPELLINGS)
    if (canonicalState(spelling) === state && spelling !== canonicalKey) words.add(spelling);
  return [...words];
}

/** Each state's first number in LINUX_TCP_STATES (SYN_RECV is 3, not TCP_NEW_SYN_RECV's 12). */
const KERNEL_CODES = new Map<TcpState, number>();
for (const [code, state] of Object.entries(LINUX_TCP_STATES)) if (!KERNEL_CODES.has(state)) KERNEL_CODES.set(state, Number(code));

/** Kernel state numbers (include/net/tcp_states.h): ESTABLISHED is 1 ... CLOSING is 11. */
export const kernelCode = (state: TcpState): number => KERNEL_CODES.get(state)!;
