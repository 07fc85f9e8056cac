import type { ChalkInstance } from "chalk";
import type { TcpState } from "../model/state.js";
import type { Cell } from "./columns.js";

/** What a state means to a person reading the table; the palette follows the meaning. */
export type StateMeaning = "listening" | "healthy" | "opening" | "closing" | "trouble";

export const STATE_MEANING: Readonly<Record<TcpState, StateMeaning>> = {
  LISTEN: "listening",
  ESTABLISHED: "healthy",
  SYN_SENT: "opening",
  SYN_RECV: "opening",
  FIN_WAIT1: "closing",
  FIN_WAIT2: "closing",
  TIME_WAIT: "closing",
  LAST_ACK: "closing",
  CLOSING: "closing",
  CLOSE: "closing",
  // The peer has closed and the application has not: the classic leak.
  CLOSE_WAIT: "trouble",
};

/** The one palette. */
export function paint(chalk: ChalkInstance, meaning: StateMeaning, text: string): string {
  switch (meaning) {
    case "listening":
      return chalk.cyan(text);
    case "healthy":
      return chalk.green(text);
    case "opening":
      return chalk.yellow(text);
    case "closing":
      return chalk.gray(text);
    case "trouble":
      return chalk.red.bold(text);
  }
}

export const paintHeader = (chalk: ChalkInstance, text: string) => chalk.bold(text);

/** Heading cells for alignColumns: the text measured, painted as a heading. */
export const headingCells = (chalk: ChalkInstance, texts: readonly string[]): Cell[] => texts.map((text) => ({ text, paint: (t) => paintHeader(chalk, t) }));
