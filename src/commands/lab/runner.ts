import type { ChalkInstance } from "chalk";
import { TcpstatError } from "../../errors.js";
import { LIST_FORMATS } from "../../format/index.js";
import { paint, STATE_MEANING } from "../../format/style.js";
import { wrap } from "../../knowledge/explain.js";
import type { Actor, LabNetns } from "../../lib/lab-netns.js";
import type { SocketRecord } from "../../model/socket.js";
import type { Observer, Transition } from "./observe.js";

/** The port the lab's server listens on, and one nobody listens on. */
export const SERVER_PORT = 7000;
export const CLOSED_PORT = 7001;

/** How long a step may take to reach the state it waits for before the lab gives up. */
const STEP_TIMEOUT_MS = 10_000;

export interface LabIo {
  chalk: ChalkInstance;
  width: number;
  write(text: string): Promise<void>;
}

/** What a scenario works with: the namespace, its two programs, and the steps it tells. */
export class Lab {
  private n = 0;
  readonly transitions: Transition[] = [];

  constructor(
    readonly ns: LabNetns,
    readonly server: Actor,
    readonly client: Actor,
    private readonly observer: Observer,
    private readonly list: (owners: boolean) => Promise<SocketRecord[]>,
    private readonly io: LabIo,
    private readonly steps: number,
  ) {}

  /**
   * One step: say what is about to happen, do it, wait until the namespace's sockets show
   * its outcome (`until`), then print the transitions seen and the listing.
   */
  async step(title: string, say: string, act: () => Promise<void>, until: (records: SocketRecord[]) => boolean, timeoutMs = STEP_TIMEOUT_MS): Promise<SocketRecord[]> {
    const { chalk, width } = this.io;
    this.n++;
    await this.io.write(`\n${chalk.bold(`Step ${this.n}/${this.steps}: ${title}`)}\n${wrap(say, width)}\n`);
    await act();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const records = await this.list(false);
      if (until(records)) break;
      if (Date.now() > deadline) throw new TcpstatError(`lab: step ${this.n} (${title}) did not reach its outcome within ${timeoutMs / 1000} s`, "run it again; if it keeps failing, report it with `uname -r`");
      await this.observer.settle();
    }
    await this.observer.settle();
    const seen = this.observer.drain();
    this.transitions.push(...seen);
    const records = await this.list(true);
    const lines = [`\n  ${chalk.dim(this.observer.kind === "traced" ? "Transitions (traced):" : "Transitions (sampled from listings; short states are missed):")}`];
    for (const t of seen) lines.push(`    ${this.renderTransition(t)}`);
    if (seen.length === 0) lines.push(`    ${chalk.dim("(none)")}`);
    lines.push("", `  ${chalk.dim("Sockets in the lab's namespace now:")}`);
    let table = "";
    for await (const chunk of LIST_FORMATS.table!.render(records, { chalk, timers: true })) table += chunk;
    lines.push(records.length === 0 ? `    ${chalk.dim("(none)")}` : table.replace(/^/gm, "    ").trimEnd());
    await this.io.write(`${lines.join("\n")}\n`);
    return records;
  }

  /** Who holds a port: the server's 7000, the client's ephemeral ports. */
  sideOf(t: Pick<Transition, "localPort">): "server" | "client" {
    return t.localPort === SERVER_PORT ? "server" : "client";
  }

  private renderTransition(t: Transition): string {
    const { chalk } = this.io;
    const state = (s: Transition["from"]) => (s === null ? chalk.dim(t.from === null ? "(new)" : "(gone)") : paint(chalk, STATE_MEANING[s], s));
    const time = `+${(t.ms / 1000).toFixed(3)}s`;
    const who = t.process ? `  ${t.process}` : "";
    return `${time}  ${this.sideOf(t).padEnd(6)}  ${t.local} → ${t.remote}  ${state(t.from)} → ${state(t.to)}${who}`;
  }

  async say(text: string): Promise<void> {
    await this.io.write(`\n${wrap(text, this.io.width)}\n`);
  }
}

/** Helpers for a step's `until`. */
export const find = (records: SocketRecord[], want: { local?: number; remote?: number; state?: SocketRecord["state"]; recvQ?: number }) =>
  records.find(
    (r) =>
      (want.local === undefined || r.localPort === want.local) &&
      (want.remote === undefined || r.remotePort === want.remote) &&
      (want.state === undefined || r.state === want.state) &&
      (want.recvQ === undefined || r.recvQ === want.recvQ),
  );
