import type { TcpState } from "../../model/state.js";

export const LANGS = ["en", "zh", "fr"] as const;
export type Lang = (typeof LANGS)[number];

/** What `tcpstat explain STATE` says about one state, in one language. */
export interface StateText {
  /** What the state is. */
  meaning: string;
  /** Which end is in it: client or server, active or passive closer. */
  side: string;
  /** The event (or call) that moves a socket into it. */
  enteredBy: string;
  /** The events that move it out, and where to. */
  leftBy: string;
  /** How long a socket normally stays, with the Linux timers that bound it. */
  duration: string;
  /** What it usually means when many sockets are in it. */
  whenMany: string;
  /** What to do about that. */
  whatToDo: string;
}

/** Headings and short phrases around the texts: one heading for each part of a StateText, and more. */
export interface Labels extends Record<keyof StateText, string> {
  aliases: string;
  now: string;
  sockets: (n: number) => string;
  diagramTitle: string;
  diagramHint: string;
  noCounts: (why: string) => string;
}

export interface Language {
  labels: Labels;
  states: Readonly<Record<TcpState, StateText>>;
}
