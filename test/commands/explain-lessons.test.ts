import { describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import { LessonSchema } from "../../src/model/report.js";

/**
 * The lessons of the state diagram as a learner reads them: `tcpstat explain handshake`,
 * `teardown` and `time-wait` in English, Chinese and French. Each must name the segments in
 * order and the states each side passes through, and say why in the learner's own words.
 */

const explain = (...args: string[]) => {
  const r = runTcpstat(["explain", ...args]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
};

/** The ladder's rows: "  STATE  n FLAGS ---->  STATE" (or the arrow leftwards), as [left, segment, right]. */
function ladder(text: string): Array<[string, string, string]> {
  return [...text.matchAll(/^ {2}([A-Z_0-9]+) +(?:(\d) ([A-Z+]+) -+>|<-+ (\d) ([A-Z+]+)) +([A-Z_0-9]+)$/gm)].map((m) => [
    m[1]!,
    `${m[2] ?? m[4]} ${m[3] ?? m[5]} ${m[2] ? "->" : "<-"}`,
    m[6]!,
  ]);
}

const WORDS = {
  handshake: { en: ["three-way handshake", "Why three segments and not two"], zh: ["三次握手", "为什么是三次而不是两次"], fr: ["poignée de main en trois temps", "Pourquoi trois segments et pas deux"] },
  teardown: {
    en: ["four-way close", "active closer", "passive closer", "half-close", "simultaneous close", "2MSL"],
    zh: ["四次挥手", "主动关闭方", "被动关闭方", "半关闭", "同时关闭", "2MSL"],
    fr: ["fermeture en quatre temps", "fermeture active", "fermeture passive", "demi-fermeture", "fermeture simultanée", "2MSL"],
  },
} as const;

describe.each(["en", "zh", "fr"] as const)("explain lessons in %s", (lang) => {
  it("handshake: SYN, SYN+ACK, ACK with each side's states, and why three", () => {
    const out = explain("handshake", "--lang", lang);
    expect(ladder(out)).toEqual([
      ["SYN_SENT", "1 SYN ->", "SYN_RECV"],
      ["ESTABLISHED", "2 SYN+ACK <-", "SYN_RECV"],
      ["ESTABLISHED", "3 ACK ->", "ESTABLISHED"],
    ]);
    expect(out).toMatch(/^ {2}CLOSE +LISTEN$/m);
    expect(out).toMatch(/: CLOSE -> SYN_SENT -> ESTABLISHED$/m);
    expect(out).toMatch(/: LISTEN -> SYN_RECV -> ESTABLISHED$/m);
    for (const word of WORDS.handshake[lang]) expect(out.replace(/\n +/g, lang === "zh" ? "" : " ")).toContain(word);
  });

  it("teardown: FIN, ACK, FIN, ACK, the two closers' states, CLOSING and the half-close", () => {
    const out = explain("teardown", "--lang", lang);
    const prose = out.replace(/\n +/g, lang === "zh" ? "" : " ");
    expect(ladder(out)).toEqual([
      ["FIN_WAIT1", "1 FIN ->", "CLOSE_WAIT"],
      ["FIN_WAIT2", "2 ACK <-", "CLOSE_WAIT"],
      ["TIME_WAIT", "3 FIN <-", "LAST_ACK"],
      ["TIME_WAIT", "4 ACK ->", "CLOSE"],
    ]);
    expect(out).toMatch(/: ESTABLISHED -> FIN_WAIT1 -> FIN_WAIT2 -> TIME_WAIT -> CLOSE$/m);
    expect(out).toMatch(/: ESTABLISHED -> CLOSE_WAIT -> LAST_ACK -> CLOSE$/m);
    expect(out).toMatch(/^ {2}CLOSE +\(2MSL[^)]*\) +CLOSE$/m);
    for (const word of [...WORDS.teardown[lang], "CLOSING", "FIN_WAIT2", "shutdown(SHUT_WR)"]) expect(prose).toContain(word);
  });

  it("time-wait names 2MSL and both its reasons", () => {
    // The paragraphs unwrapped: Chinese lines break between any two characters, others at spaces.
    const out = explain("time-wait", "--lang", lang).replace(/\n +/g, lang === "zh" ? "" : " ");
    const reasons = {
      en: [/2MSL/, /last ACK is lost, the peer resends its FIN/, /old duplicate segments/],
      zh: [/2MSL/, /最后的 ACK 若丢失，对端会重发 FIN/, /旧重复报文/],
      fr: [/2MSL/, /dernier ACK se perd, le pair renvoie son FIN/, /vieux doublons/],
    }[lang];
    for (const reason of reasons) expect(out).toMatch(reason);
  });

  it("gives each lesson as JSON (schema lesson), told in the language asked", () => {
    for (const name of ["handshake", "teardown"]) {
      const lesson = LessonSchema.parse(JSON.parse(explain(name, "--json", "--lang", lang)));
      expect(lesson.lang).toBe(lang);
      expect(lesson.segments.map((s) => s.flags)).toEqual(name === "handshake" ? ["SYN", "SYN+ACK", "ACK"] : ["FIN", "ACK", "FIN", "ACK"]);
      expect(lesson.sides.map((s) => s.role)).toEqual(name === "handshake" ? ["client", "server"] : ["active-closer", "passive-closer"]);
      expect(lesson.sections.map((s) => s.topic)).toContain(name === "handshake" ? "why-three" : "why-four");
    }
  });
});

describe("explain lessons and states side by side", () => {
  it("keeps `explain close` the CLOSE state, and takes the lessons' other names", () => {
    expect(explain("close").split("\n")[0]).toMatch(/^CLOSE {2}\(/);
    expect(explain("four-way-close").split("\n")[0]).toBe("The four-way close: how a TCP connection ends");
    expect(explain("Three_Way_Handshake").split("\n")[0]).toBe("The three-way handshake: how a TCP connection opens");
  });

  it("suggests a lesson for a near miss, exit 2", () => {
    const r = runTcpstat(["explain", "tear-down"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^tcpstat: unknown state 'tear-down' \(did you mean teardown\?\); valid states: .*; or a lesson: handshake, teardown\n$/);
  });
});
