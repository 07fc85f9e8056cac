import { readlinkSync } from "node:fs";
import { SocketTracker, type Tracked } from "../../lib/watch-diff.js";
import type { NetnsTag, SocketRecord } from "../../model/socket.js";
import type { TcpState } from "../../model/state.js";
import type { TraceTransition } from "../../model/trace.js";
import { collectSockets } from "../index.js";

/**
 * `trace` without tracefs: the socket table read `hz` times a second and compared with the
 * reading before. A socket that appeared is CLOSE -> its state, one that vanished is its
 * last state -> CLOSE, a state that differs is a transition; everything is marked sampled,
 * because a state that lasted less than the interval is never seen (a whole connection of
 * a few milliseconds may be missed).
 */

export interface SamplerOptions {
  netns?: string;
  hz: number;
  procRoot: string;
  onEvents: (events: TraceTransition[]) => void;
  onError: (error: Error) => void;
}

export interface Sampler {
  intervalMs: number;
  stop(): void;
}

function ownNetns(procRoot: string): NetnsTag | null {
  try {
    const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`${procRoot}/self/ns/net`));
    return m ? { inode: Number(m[1]), name: null } : null;
  } catch {
    return null;
  }
}

export async function startSampler(options: SamplerOptions): Promise<Sampler> {
  const intervalMs = Math.round(1000 / options.hz);
  const tracker = new SocketTracker();
  const own = ownNetns(options.procRoot);
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const read = async (): Promise<SocketRecord[]> =>
    (await collectSockets({ protos: ["tcp"], families: ["ipv4", "ipv6"], owners: true, procRoot: options.procRoot, netns: options.netns })).records;

  const event = (t: Tracked, from: TcpState, to: TcpState, time: number): TraceTransition => ({
    kind: "transition",
    time: new Date(time).toISOString(),
    monoNs: String(process.hrtime.bigint()),
    sampled: true,
    netns: t.record.netns ?? own,
    cpu: null,
    context: "sampled",
    skaddr: null,
    family: t.record.family,
    localAddress: t.record.localAddress,
    localPort: t.record.localPort,
    remoteAddress: t.record.remoteAddress ?? (t.record.family === "ipv4" ? "0.0.0.0" : "::"),
    remotePort: t.record.remotePort ?? 0,
    pid: t.pid,
    process: t.process,
    holderFrom: t.pid === null ? null : "socket-table",
    from,
    to,
  });

  const tick = async () => {
    timer = null;
    if (stopped) return;
    const started = Date.now();
    try {
      const diff = tracker.update(await read(), Date.now());
      if (!diff.initial) {
        const events: TraceTransition[] = [];
        // Gone first, then changed, then new: a socket read under a new key (its inode is 0 once
        // its program closed it) ends before the same addresses begin again, in that order.
        for (const t of diff.closed) if (t.record.state) events.push(event(t, t.record.state, "CLOSE", diff.time));
        for (const c of diff.changed) if (c.from && c.tracked.record.state) events.push(event(c.tracked, c.from, c.tracked.record.state, diff.time));
        for (const t of diff.opened) if (t.record.state) events.push(event(t, "CLOSE", t.record.state, diff.time));
        if (events.length > 0) options.onEvents(events);
      }
    } catch (error) {
      stopped = true;
      options.onError(error as Error);
      return;
    }
    if (!stopped) timer = setTimeout(() => void tick(), Math.max(0, intervalMs - (Date.now() - started)));
  };
  await tick();
  return {
    intervalMs,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
