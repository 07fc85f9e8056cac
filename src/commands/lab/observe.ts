import type { SocketRecord } from "../../model/socket.js";
import type { TcpState } from "../../model/state.js";

/**
 * One state change of a socket in the lab's namespace, as the lab prints it:
 *
 *   +0.412s  127.0.0.1:7000 → 127.0.0.1:41234  ESTABLISHED → FIN_WAIT1  lab-server
 *
 * `from` null: the socket was not there before (sampled); `to` null: it is gone (sampled).
 */
export interface Transition {
  ms: number;
  local: string;
  remote: string;
  localPort: number;
  remotePort: number;
  from: TcpState | null;
  to: TcpState | null;
  /** The process the trace saw, when the change happened in a system call. */
  process?: string;
}

/** Where the lab's transitions come from: the kernel's tracepoint, or listings compared. */
export interface Observer {
  /** "traced" (every change) or "sampled" (a listing every few ms: short states are missed). */
  kind: "traced" | "sampled";
  /** Takes the transitions seen since the last call. */
  drain(): Transition[];
  /** Waits until every transition made so far has been read (the trace), or a fresh sample. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const key = (r: SocketRecord) => `${r.localAddress}:${r.localPort} ${r.remoteAddress ?? "*"}:${r.remotePort ?? "*"}`;

/**
 * Transitions from listings compared: each socket (by its two endpoints) whose state differs
 * from the last listing's, each one that appeared, each one that went.
 */
export class SampledObserver implements Observer {
  readonly kind = "sampled";
  private last = new Map<string, SocketRecord>();
  private seen: Transition[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> = Promise.resolve();
  private readonly start = Date.now();

  constructor(
    private readonly list: () => Promise<SocketRecord[]>,
    private readonly everyMs: number,
  ) {}

  begin(): void {
    const tick = () => {
      void this.queue().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.everyMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** One sample after the one under way: two never compare against the same last listing. */
  private queue(): Promise<void> {
    this.busy = this.busy.then(() => this.sample()).catch(() => {});
    return this.busy;
  }

  private async sample(): Promise<void> {
    const records = await this.list();
    const now = new Map(records.map((r) => [key(r), r]));
    const ms = Date.now() - this.start;
    const change = (r: SocketRecord, from: TcpState | null, to: TcpState | null) =>
      this.seen.push({
        ms,
        local: `${r.localAddress}:${r.localPort}`,
        remote: r.remoteAddress === null ? "*:*" : `${r.remoteAddress}:${r.remotePort}`,
        localPort: r.localPort,
        remotePort: r.remotePort ?? 0,
        from,
        to,
      });
    for (const [k, r] of now) {
      const before = this.last.get(k);
      if (!before) change(r, null, r.state);
      else if (before.state !== r.state) change(r, before.state, r.state);
    }
    for (const [k, r] of this.last) if (!now.has(k)) change(r, r.state, null);
    this.last = now;
  }

  drain(): Transition[] {
    const out = this.seen;
    this.seen = [];
    return out;
  }

  settle(): Promise<void> {
    return this.queue();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.busy;
  }
}
