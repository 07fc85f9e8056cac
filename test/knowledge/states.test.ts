import { describe, expect, it } from "vitest";
import { Chalk } from "chalk";
import { ExplanationSchema } from "../../src/model/report.js";
import { STATE_SPELLINGS, TCP_STATES, canonicalState, type TcpState } from "../../src/model/state.js";
import { explainState } from "../../src/knowledge/explain.js";
import { renderExplanation } from "../../src/format/explain.js";
import { renderDiagram } from "../../src/format/state-diagram.js";
import { wrap } from "../../src/format/wrap.js";
import { LANGS, LANGUAGES, aliasesOf, pickLang, ssSpelling } from "../../src/knowledge/states/index.js";
import { emptyStateCounts } from "../../src/lib/summarize.js";

const plain = new Chalk({ level: 0 });
const FIELDS = ["meaning", "side", "enteredBy", "leftBy", "duration", "whenMany", "whatToDo"] as const;

/** Display width: CJK characters take two columns. */
const width = (s: string) => [...s].reduce((n, ch) => n + (/[\u2e80-\ua4cf\uac00-\ud7a3\uff00-\uffe6]/.test(ch) ? 2 : 1), 0);

describe("state knowledge", () => {
  it("every accepted spelling, in every case and with dashes, resolves and is explained in en, zh and fr", () => {
    const spellings = new Set<string>();
    for (const s of STATE_SPELLINGS) [s, s.toLowerCase()].forEach((w) => spellings.add(w));
    for (const s of TCP_STATES) [s, s.toLowerCase(), ssSpelling(s), s.replace(/_/g, " ")].forEach((w) => spellings.add(w));
    for (const word of ["SYN_RCVD", "syn-received", "ESTAB", "LISTENING", "CLOSED", "time_wait", "Fin-Wait-2"]) spellings.add(word);
    for (const word of spellings) {
      const state = canonicalState(word);
      expect(state, word).toBeDefined();
      for (const lang of LANGS) {
        const e = ExplanationSchema.parse(explainState(state!, lang, null));
        for (const f of FIELDS) expect(e[f].length, `${word} ${lang} ${f}`).toBeGreaterThan(4);
      }
    }
  });

  it("each language has its own text for every state and field", () => {
    for (const state of TCP_STATES) {
      for (const f of FIELDS) {
        const en = LANGUAGES.en.states[state][f];
        const zh = LANGUAGES.zh.states[state][f];
        const fr = LANGUAGES.fr.states[state][f];
        expect(new Set([en, zh, fr]).size, `${state}.${f}`).toBe(3);
        expect(zh, `${state}.${f} zh`).toMatch(/[\u4e00-\u9fff]/);
        expect(fr, `${state}.${f} fr`).not.toMatch(/[\u4e00-\u9fff]/);
      }
    }
  });

  // Facts checked by hand against Linux: TIME_WAIT is TCP_TIMEWAIT_LEN = 60 s; SYN retries 6
  // with doubling waits give 1+2+4+8+16+32+64 = 127 s; SYN-ACK retries 5 give 1+...+32 = 63 s;
  // orphaned FIN_WAIT2 ends after tcp_fin_timeout; CLOSE_WAIT ends only with the program's close().
  it.each(LANGS)("states the Linux timers and the key facts (%s)", (lang) => {
    const s = LANGUAGES[lang].states;
    expect(s.TIME_WAIT.duration).toMatch(/60/);
    expect(s.TIME_WAIT.duration).toMatch(/TCP_TIMEWAIT_LEN/);
    expect(s.SYN_SENT.duration).toMatch(/127/);
    expect(s.SYN_SENT.duration).toMatch(/tcp_syn_retries/);
    expect(s.SYN_RECV.duration).toMatch(/63/);
    expect(s.SYN_RECV.duration).toMatch(/tcp_synack_retries/);
    expect(s.FIN_WAIT2.duration).toMatch(/tcp_fin_timeout/);
    expect(s.CLOSE_WAIT.meaning).toMatch(/close\(\)/);
    expect(s.CLOSE_WAIT.leftBy).toMatch(/LAST_ACK/);
    expect(s.FIN_WAIT1.leftBy).toMatch(/FIN_WAIT2/);
    expect(s.FIN_WAIT1.leftBy).toMatch(/CLOSING/);
    expect(s.FIN_WAIT2.leftBy).toMatch(/TIME_WAIT/);
    expect(s.CLOSING.leftBy).toMatch(/TIME_WAIT/);
    expect(s.SYN_RECV.whenMany).toMatch(/SYN/);
  });

  it("lists the other spellings of a state", () => {
    expect(aliasesOf("SYN_RECV")).toEqual(["syn-recv", "SYNRCVD", "SYNRECEIVED", "NEWSYNRECV"]);
    expect(aliasesOf("LISTEN")).toEqual(["listen", "LISTENING"]);
    expect(aliasesOf("CLOSE")).toEqual(["close", "CLOSED"]);
    expect(aliasesOf("ESTABLISHED")).toEqual(["established", "ESTAB"]);
  });

  it("picks the language from LC_ALL, then LC_MESSAGES, then LANG", () => {
    expect(pickLang({ LANG: "zh_CN.UTF-8" })).toBe("zh");
    expect(pickLang({ LANG: "fr_FR.UTF-8" })).toBe("fr");
    expect(pickLang({ LC_ALL: "fr_CA.UTF-8", LANG: "zh_CN.UTF-8" })).toBe("fr");
    expect(pickLang({ LC_MESSAGES: "zh_TW", LANG: "en_US.UTF-8" })).toBe("zh");
    expect(pickLang({ LANG: "de_DE.UTF-8" })).toBe("en");
    expect(pickLang({ LANG: "C" })).toBe("en");
    expect(pickLang({})).toBe("en");
  });

  it("wraps English and Chinese to the width, keeping every character", () => {
    for (const lang of LANGS) {
      const text = LANGUAGES[lang].states.TIME_WAIT.whatToDo;
      const wrapped = wrap(text, 40);
      for (const line of wrapped.split("\n")) expect(width(line), line).toBeLessThanOrEqual(40);
      expect(wrapped.replace(/\s+/g, "")).toBe(text.replace(/\s+/g, ""));
    }
  });

  it("renders a state with its count and every heading", () => {
    const counts = { ...emptyStateCounts(), CLOSE_WAIT: 7 };
    const text = renderExplanation(explainState("CLOSE_WAIT", "fr", counts), plain, 80);
    expect(text.split("\n")[0]).toBe("CLOSE_WAIT  (autres écritures : close-wait; kernel 8)");
    expect(text).toContain("Sur cette machine en ce moment : 7 sockets");
    for (const f of FIELDS) expect(text).toContain(`\n${LANGUAGES.fr.labels[f]}\n`);
  });
});

describe("state diagram", () => {
  const counts = Object.fromEntries(TCP_STATES.map((s, i) => [s, i + 1])) as Record<TcpState, number>;

  it("puts each state's count beside its box and stays within 80 columns", () => {
    const text = renderDiagram(counts, plain);
    const lines = text.split("\n");
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    for (const state of TCP_STATES) {
      // The count sits on a border line of the box, right above or below the name.
      const at = lines.findIndex((l) => new RegExp(`\\| *${state} *\\|`).test(l));
      expect(at, state).toBeGreaterThan(0);
      const near = [lines[at - 1], lines[at + 1], lines[at + 2]].join("\n");
      expect(near, state).toContain(`(${counts[state]})`);
    }
    // Handshake, four-way close and simultaneous close are all drawn.
    for (const event of ["send SYN", "send SYN-ACK", "recv FIN", "simultaneous close", "2 x MSL"]) expect(text).toContain(event);
  });

  it("colours every boxed state name by its meaning, ESTABLISHED and CLOSE too", () => {
    const coloured = renderDiagram(counts, new Chalk({ level: 1 }));
    for (const state of TCP_STATES) expect(coloured, state).toMatch(new RegExp(`\\| *(\x1b\\[\\d+m)+${state}\x1b\\[`));
    expect(coloured).toContain("\x1b[32mESTABLISHED\x1b[39m"); // healthy: green
    expect(coloured).toContain("\x1b[90mCLOSE\x1b[39m"); // closing: grey
  });

  it("draws blank slots without counts", () => {
    expect(renderDiagram(null, plain)).not.toMatch(/\(\d+\)/);
  });
});
