import type { ChalkInstance } from "chalk";
import type { StateCounts } from "../model/report.js";
import type { TcpState } from "../model/state.js";
import { STATE_MEANING, paint } from "./style.js";

/**
 * The TCP state machine (RFC 9293, section 3.3.2) drawn for a terminal: the three-way
 * handshake at the top, the four-way close below it (active closer on the left, passive
 * closer on the right) and the simultaneous close through CLOSING.
 *
 * Each `%XX%` plus up to four spaces after it is a slot for the live count of the
 * state whose box it sits beside: "(12)    ". Without counts the slot is blank.
 */
const TEMPLATE = String.raw`
                            +---------------+ %CL%
                            |     CLOSE     |
                            +---------------+
           connect()             |       |          listen()
           send SYN              |       |
                 +---------------+       +-------------------+
                 v                                           v
           +----------+ %SS%                           +----------+ %LI%
           | SYN_SENT |                                | LISTEN   |
           +----------+                                +----------+
                 |                                           | recv SYN
                 |                                           | send SYN-ACK
                 |                                           v
                 | recv SYN-ACK                        +----------+ %SR%
                 | send ACK                            | SYN_RECV |
                 |                                     +----------+
                 |                                           | recv ACK
                 |          +---------------+                |
                 +--------->|  ESTABLISHED  |<---------------+
                            +---------------+ %ES%
                  close()        |       |      recv FIN
                  send FIN       |       |      send ACK
                 +---------------+       +-------------------+
                 v    (active closer)   (passive closer)     v
          +-----------+ %F1%                           +------------+ %CW%
          | FIN_WAIT1 |                                | CLOSE_WAIT |
          +-----------+                                +------------+
    recv ACK |       | recv FIN, send ACK                    | close()
             |       | (simultaneous close)                  | send FIN
             v       v                                       v
   +-----------+   +---------+ %CG%                    +----------+ %LA%
   | FIN_WAIT2 |   | CLOSING |                         | LAST_ACK |
   +-----------+   +---------+                         +----------+
    %F2%     |            | recv ACK                         | recv ACK
   recv FIN, |            |                                  v
   send ACK  v            v                                CLOSE
          +-----------+ %TW%
          | TIME_WAIT |
          +-----------+
                |  timer: 2 x MSL (60 s on Linux)
                v
              CLOSE
`;

const SLOTS: Readonly<Record<string, TcpState>> = {
  CL: "CLOSE",
  SS: "SYN_SENT",
  LI: "LISTEN",
  SR: "SYN_RECV",
  ES: "ESTABLISHED",
  F1: "FIN_WAIT1",
  CW: "CLOSE_WAIT",
  F2: "FIN_WAIT2",
  CG: "CLOSING",
  LA: "LAST_ACK",
  TW: "TIME_WAIT",
};

// A state name inside its box ("|  ESTABLISHED  |"), however far from the left border.
const BOXED = /\| *(SYN_SENT|SYN_RECV|LISTEN|ESTABLISHED|FIN_WAIT1|FIN_WAIT2|CLOSE_WAIT|CLOSING|LAST_ACK|TIME_WAIT|CLOSE)\b/g;

/** The diagram with counts (or blank slots when counts is null); state names coloured by meaning. */
export function renderDiagram(counts: StateCounts | null, chalk: ChalkInstance): string {
  const text = TEMPLATE.slice(1).replace(/%([A-Z0-9]{2})%( {0,4})/g, (_, code: string, spaces: string) => {
    const state = SLOTS[code];
    const width = 4 + spaces.length;
    if (!state || !counts) return " ".repeat(width);
    const n = counts[state];
    const label = `(${n})`.padEnd(width);
    return n > 0 ? chalk.bold(label) : chalk.dim(label);
  });
  const painted = text.replace(BOXED, (match, state: TcpState) => match.replace(state, paint(chalk, STATE_MEANING[state], state)));
  return painted.replace(/[ \t]+$/gm, "");
}
