import type { ChalkInstance } from "chalk";
import { LESSON_LANGUAGES } from "../knowledge/lessons/index.js";
import type { Lesson } from "../model/report.js";
import type { TcpState } from "../model/state.js";
import { paint, STATE_MEANING } from "./style.js";
import { displayWidth, wrap } from "./wrap.js";

const pad = (text: string, width: number) => text + " ".repeat(Math.max(0, width - displayWidth(text)));

/**
 * The segments as a ladder, each row the two sides' states once the segment has arrived:
 *
 *   client                                  server
 *   CLOSE                                   LISTEN
 *   SYN_SENT      1 SYN ----------------->  SYN_RECV
 *   ESTABLISHED   <------------- 2 SYN+ACK  SYN_RECV
 *   ESTABLISHED   3 ACK ----------------->  ESTABLISHED
 */
export function renderLadder(lesson: Lesson, after: string, chalk: ChalkInstance): string {
  const [left, right] = lesson.sides as [Lesson["sides"][0], Lesson["sides"][0]];
  const col = Math.max(displayWidth(left.name), ...left.states.map((s) => s.length)) + 3;
  const mid = 26;
  const state = (s: TcpState) => paint(chalk, STATE_MEANING[s], s);
  const row = (l: TcpState | string, m: string, r: TcpState | string, states = true) =>
    `  ${states ? state(l as TcpState) + " ".repeat(Math.max(0, col - l.length)) : pad(l, col)}${pad(m, mid)}  ${states ? state(r as TcpState) : r}`.trimEnd();
  const rows = [row(left.name, "", right.name, false), row(left.states[0]!, "", right.states[0]!)];
  let now: [TcpState, TcpState] = [left.states[0]!, right.states[0]!];
  for (const seg of lesson.segments) {
    const label = `${seg.n} ${seg.flags}`;
    const toRight = seg.from === left.role;
    now = toRight ? [seg.senderState, seg.receiverState] : [seg.receiverState, seg.senderState];
    const arrow = toRight ? `${label} ${"-".repeat(mid - label.length - 3)}>` : `<${"-".repeat(mid - label.length - 3)} ${label}`;
    rows.push(row(now[0], arrow, now[1]));
  }
  const last: [TcpState, TcpState] = [left.states.at(-1)!, right.states.at(-1)!];
  if (after && (last[0] !== now[0] || last[1] !== now[1])) rows.push(row(last[0], `(${after})`, last[1]));
  return rows.join("\n");
}

/** A lesson for a person: title, summary, the ladder, each side's path, each segment, the whys. */
export function renderLesson(lesson: Lesson, chalk: ChalkInstance, width: number): string {
  const words = LESSON_LANGUAGES[lesson.lang];
  const text = words.lessons[lesson.lesson];
  const state = (s: TcpState) => paint(chalk, STATE_MEANING[s], s);
  const out = [chalk.bold(lesson.title), "", wrap(lesson.summary, width), "", renderLadder(lesson, text.after, chalk), ""];
  out.push(chalk.bold(words.labels.path));
  for (const side of lesson.sides) out.push(`  ${side.name}: ${side.states.map(state).join(" -> ")}`, wrap(side.text, width, "    "));
  out.push("", chalk.bold(words.labels.segments));
  for (const seg of lesson.segments) out.push(`  ${seg.n}. ${seg.flags}`, wrap(seg.text, width, "     "));
  for (const section of lesson.sections) out.push("", chalk.bold(section.heading), wrap(section.text, width));
  return `${out.join("\n")}\n`;
}
