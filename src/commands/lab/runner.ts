import type { ChalkInstance } from "chalk";
import { TcpstatError } from "../../errors.js";
import { LIST_FORMATS } from "../../format/index.js";
import { paint, STATE_MEANING } from "../../format/style.js";
import { wrap } from "../../format/wrap.js";
import { escapeControl } from "../../lib/safe-text.js";
import type { Actor, LabNetns } from "../../lib/lab-netns.js";
import type { SocketRecord } from "../../model/socket.js";
import type { LabEvent, TraceObserver } from "./observe.js";

/**
 * The port the lab's server listens on, and the one above it, where nothing listens: drawn
 * at random for each run, because the trace tells a connection's namespace from the listener
 * it came through, and another namespace listening on the same port would leave it unsure.
 */
export function labPorts(): { port: number; closedPort: number } {
  const port = 20_000 + 2 * Math.floor(Math.random() * 5000);
  return { port, closedPort: port + 1 };
}

/** How long a step may take to reach the state it waits for before the lab gives up. */
const STEP_TIMEOUT_MS = 30_000;

export interface LabIo {
  chalk: ChalkInstance;
  width: number;
  write(text: string): Promise<void>;
}

/** What a scenario works with: the namespace, its two programs, and the steps it tells. */
export class Lab {
  private n = 0;
  /** Each connection's state in the last listing, by "local remote". */
  private listed = new Map<string, SocketRecord["state"]>();
  private lostSaid = 0;

  constructor(
    readonly port: number,
    readonly closedPort: number,
    readonly ns: LabNetns,
    readonly server: Actor,
    readonly client: Actor,
    private readonly observer: TraceObserver,
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
      if (Date.now() > deadline)
        throw new TcpstatError(
          `lab: step ${this.n} (${title}) did not reach its outcome within ${timeoutMs / 1000} s; the namespace shows ${this.describe(records)}`,
          "run it again; if it keeps failing, report it with `uname -r`",
        );
      // A listing takes a few milliseconds to read; the next one follows shortly after.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await this.observer.settle(() => this.ns.mark());
    const records = await this.list(true);
    const seen = this.reconcile(this.observer.drain(), records);
    if (this.observer.lost > this.lostSaid) {
      seen.push({ ms: this.observer.elapsedMs(), kind: "note", local: "", remote: "", localPort: 0, from: null, to: null, process: null, note: `the trace lost ${this.observer.lost - this.lostSaid} events (its buffers overflowed): some changes may be missing` });
      this.lostSaid = this.observer.lost;
    }
    const lines = [`\n  ${chalk.dim(this.observer.traced ? "Transitions (traced):" : "Transitions (sampled from listings; short states are missed):")}`];
    for (const t of seen) lines.push(`    ${this.renderEvent(t)}`);
    if (seen.length === 0) lines.push(`    ${chalk.dim("(none)")}`);
    lines.push("", `  ${chalk.dim("Sockets in the lab's namespace now:")}`);
    let table = "";
    for await (const chunk of LIST_FORMATS.table!.render!(records, { chalk, timers: true })) table += chunk;
    lines.push(records.length === 0 ? `    ${chalk.dim("(none)")}` : table.replace(/^/gm, "    ").trimEnd());
    await this.io.write(`${lines.join("\n")}\n`);
    return records;
  }

  /**
   * Puts what the tracepoint cannot say beside what it says. Linux hands a connection that
   * reaches TIME_WAIT (or an orphan in FIN_WAIT2) to a small timewait socket without a trace
   * event: the full socket's last event is "-> CLOSE" while the listing shows TIME_WAIT, and
   * the timewait socket's own move FIN_WAIT2 -> TIME_WAIT shows nowhere but in listings.
   */
  private reconcile(events: LabEvent[], records: SocketRecord[]): LabEvent[] {
    const now = new Map<string, SocketRecord["state"]>();
    for (const r of records) if (r.remoteAddress !== null && r.remotePort) now.set(`${r.localAddress}:${r.localPort} ${r.remoteAddress}:${r.remotePort}`, r.state);
    const out: LabEvent[] = [];
    const moved = new Set<string>();
    for (const e of events) {
      const key = `${e.local} ${e.remote}`;
      if (e.kind === "transition") moved.add(key);
      const listed = now.get(key);
      if (!this.observer.traced || e.kind !== "transition" || e.to !== "CLOSE" || listed === undefined) out.push(e);
      else if (listed === e.from) out.push({ ...e, kind: "note", note: `the kernel's socket goes to CLOSE; a timewait socket, which has no trace events, keeps ${listed}` });
      else out.push({ ...e, to: listed, note: "listing" });
    }
    if (this.observer.traced) {
      for (const [key, state] of now) {
        const before = this.listed.get(key);
        if (moved.has(key) || before === undefined || before === state) continue;
        const [local, remote] = key.split(" ") as [string, string];
        out.push({ ms: this.observer.elapsedMs(), kind: "transition", local, remote, localPort: Number(local.slice(local.lastIndexOf(":") + 1)), from: before, to: state, process: null, note: "listing" });
      }
    }
    this.listed = now;
    return out;
  }

  /** The namespace's sockets in a few words, for a step that never reached its outcome. */
  private describe(records: SocketRecord[]): string {
    if (records.length === 0) return "no socket";
    const shown = records.slice(0, 8).map((r) => `${this.sideOf(r)} ${r.localPort}${r.remotePort ? `→${r.remotePort}` : ""} ${r.state ?? "?"}`);
    return `${shown.join(", ")}${records.length > shown.length ? ` and ${records.length - shown.length} more` : ""}`;
  }

  /** Whose end a socket is: the server's port (or the closed one it would have), else the client's. */
  sideOf(t: Pick<LabEvent, "localPort">): "server" | "client" {
    return t.localPort === this.port || t.localPort === this.closedPort ? "server" : "client";
  }

  private renderEvent(e: LabEvent): string {
    const { chalk } = this.io;
    const state = (s: LabEvent["from"]) => (s === null ? chalk.dim("?") : paint(chalk, STATE_MEANING[s], s));
    const head = `+${(e.ms / 1000).toFixed(3)}s  ${this.sideOf(e).padEnd(6)}  ${e.local} → ${e.remote}  `;
    // A process name comes from the kernel (comm): any bytes its program chose.
    const who = e.process === null ? "-" : escapeControl(e.process);
    switch (e.kind) {
      case "transition":
        return `${head}${state(e.from)} → ${state(e.to)}  ${who}${e.note ? chalk.dim("  [from the listing: the timewait socket that holds it has no trace event]") : ""}`;
      case "note":
        return e.local === "" ? chalk.yellow(`(${e.note})`) : `${head}${chalk.dim(`(${e.note})`)}`;
      case "reset-sent":
        return `${head}${chalk.red("reset sent")}${e.from ? ` in ${state(e.from)}` : " (no socket on that port)"}  ${who}`;
      case "reset-received":
        return `${head}${chalk.red("reset received")}${e.from ? ` in ${state(e.from)}` : ""}  ${who}`;
      case "retransmit":
        return `${head}${chalk.yellow("retransmit")}${e.from ? ` in ${state(e.from)}` : ""}  ${who}`;
    }
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
