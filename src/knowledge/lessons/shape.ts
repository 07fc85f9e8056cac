import type { LessonName } from "../../model/report.js";
import type { TcpState } from "../../model/state.js";

export type Role = "client" | "server" | "active-closer" | "passive-closer";

/** One segment of a lesson, as the state diagram (RFC 9293, section 3.5 and 3.6) has it. */
export interface SegmentShape {
  from: Role;
  flags: string;
  senderState: TcpState;
  receiverState: TcpState;
}

/** What a lesson is made of whatever the language: its two sides, its segments, its sections. */
export interface LessonShape {
  sides: readonly [{ role: Role; states: readonly TcpState[] }, { role: Role; states: readonly TcpState[] }];
  segments: readonly SegmentShape[];
  topics: readonly string[];
}

/**
 * The three-way handshake and the four-way close. The left side is the one that starts:
 *
 *   client  CLOSE -> SYN_SENT -> ESTABLISHED
 *   server  LISTEN -> SYN_RECV -> ESTABLISHED           (the listener stays in LISTEN; the new connection moves)
 *
 *   active  ESTABLISHED -> FIN_WAIT1 -> FIN_WAIT2 -> TIME_WAIT -> CLOSE
 *   passive ESTABLISHED -> CLOSE_WAIT -> LAST_ACK -> CLOSE
 */
export const LESSON_SHAPES: Readonly<Record<LessonName, LessonShape>> = {
  handshake: {
    sides: [
      { role: "client", states: ["CLOSE", "SYN_SENT", "ESTABLISHED"] },
      { role: "server", states: ["LISTEN", "SYN_RECV", "ESTABLISHED"] },
    ],
    segments: [
      { from: "client", flags: "SYN", senderState: "SYN_SENT", receiverState: "SYN_RECV" },
      { from: "server", flags: "SYN+ACK", senderState: "SYN_RECV", receiverState: "ESTABLISHED" },
      { from: "client", flags: "ACK", senderState: "ESTABLISHED", receiverState: "ESTABLISHED" },
    ],
    topics: ["why-three", "in-the-listing", "try-it"],
  },
  teardown: {
    sides: [
      { role: "active-closer", states: ["ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE"] },
      { role: "passive-closer", states: ["ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSE"] },
    ],
    segments: [
      { from: "active-closer", flags: "FIN", senderState: "FIN_WAIT1", receiverState: "CLOSE_WAIT" },
      { from: "passive-closer", flags: "ACK", senderState: "CLOSE_WAIT", receiverState: "FIN_WAIT2" },
      { from: "passive-closer", flags: "FIN", senderState: "LAST_ACK", receiverState: "TIME_WAIT" },
      { from: "active-closer", flags: "ACK", senderState: "TIME_WAIT", receiverState: "CLOSE" },
    ],
    topics: ["why-four", "half-close", "simultaneous-close", "time-wait", "killed", "try-it"],
  },
};
