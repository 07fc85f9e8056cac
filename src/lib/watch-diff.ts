import type { SocketRecord } from "../model/socket.js";
import { ipKind } from "./ip-kind.js";
import type { TcpState } from "../model/state.js";
import type { WatchEvent } from "../model/report.js";

/**
 * Follows sockets from one reading to the next, the way TCPView highlights rows:
 * which appeared, which vanished, which moved to another state, and for how long each was seen.
 *
 * A socket is known by its protocol and both endpoints. The inode is left out on purpose:
 * a connection that enters TIME_WAIT becomes a kernel "timewait" socket with inode 0, and
 * that is a change of state, not a close and a new socket.
 */

export interface Tracked {
  record: SocketRecord;
  firstSeen: number;
  /** Owner last known: TIME_WAIT sockets lose theirs, events keep the one seen before. */
  pid: number | null;
  process: string | null;
}

export interface Changed {
  tracked: Tracked;
  from: TcpState | null;
}

export interface FrameDiff {
  /** True for the first reading: everything in it existed before the watch began. */
  initial: boolean;
  time: number;
  opened: Tracked[];
  closed: Tracked[];
  changed: Changed[];
  /** Every socket of this reading, by key. */
  current: Map<string, Tracked>;
  /** current's keys and values as arrays, in its order (by inode): walked without copying them. */
  keys: readonly string[];
  tracked: readonly Tracked[];
}

function baseKey(r: SocketRecord): string {
  const netns = (r as { netns?: unknown }).netns;
  return `${r.proto}|${r.family}|${r.localAddress}|${r.localPort}|${r.remoteAddress ?? ""}|${r.remotePort ?? ""}${netns === undefined ? "" : `|${JSON.stringify(netns)}`}`;
}

/**
 * Keys for a reading; sockets sharing endpoints (SO_REUSEPORT listeners) get "#2", "#3", ... in
 * inode order. A row read twice is one socket: /proc/net/tcp is read in several read() calls,
 * and the kernel resumes each where the last stopped by position, so a socket that opens or
 * closes meanwhile shifts the rest and repeats one (same endpoints, same inode). Counted twice,
 * it would be a socket opened and closed again in the next reading.
 */
export function keyRecords(records: readonly SocketRecord[]): Map<string, SocketRecord> {
  return runSteps(keyingSteps(records));
}

/** Sockets between two pauses of an update in turns (SocketTracker.updateInTurns). */
const TURN = 5000;

/** Whether two records have the same base key (baseKey), without making it. */
function sameEndpoints(a: SocketRecord, b: SocketRecord): boolean {
  if (a.inode !== b.inode || a.localPort !== b.localPort || a.remotePort !== b.remotePort || a.localAddress !== b.localAddress) return false;
  if (a.proto !== b.proto || a.family !== b.family || (a.remoteAddress ?? "") !== (b.remoteAddress ?? "")) return false;
  return a.netns === b.netns || (a.netns !== undefined && b.netns !== undefined && JSON.stringify(a.netns) === JSON.stringify(b.netns));
}

/**
 * keyRecords as steps: yields every TURN sockets, returns the keys. `previous`: the last
 * reading's keys, in the order this made them (by inode): a socket read there with the same
 * inode and endpoints takes its base key from there, the string not made again (at 100k
 * sockets, making them was most of what an update allocated: BENCHMARKS.md, issue 20).
 * Beside each key pushed to `order`: in `rows`, its record (the later one, where a twin took
 * its place); in `found`, the index in `previous` of the entry that had that very key, where
 * the walk met it, else -1 (the caller looks the key up).
 */
function* keyingSteps(
  records: readonly SocketRecord[],
  previous?: Keyed<Tracked>,
  order: string[] = [],
  found: number[] = [],
  rows: SocketRecord[] = [],
): Generator<void, Map<string, SocketRecord>> {
  const sorted = byInode(records);
  const out = new Map<string, SocketRecord>();
  let j = 0;
  let n = 0;
  for (const r of sorted) {
    if (++n % TURN === 0) yield;
    let base: string | undefined;
    let at = -1;
    if (r.inode !== null && previous) {
      // Both in inode order: the last reading's sockets are walked once, beside this one's.
      const { keys, values } = previous;
      while (j < keys.length && (values[j]!.record.inode ?? 0) < r.inode) j++;
      // The very record of the last reading (lib/record-reuse.ts), or one of the same endpoints.
      // A key with "#n" is not its base: made again (rare: sockets sharing endpoints).
      if (j < keys.length && (values[j]!.record === r || sameEndpoints(values[j]!.record, r)) && !keys[j]!.includes("#")) {
        base = keys[j];
        at = j;
      }
    }
    base ??= baseKey(r);
    // Nothing keyed yet with these endpoints (nearly every socket): keyed as its base at once.
    if (!out.has(base)) {
      out.set(base, r);
      order.push(base);
      found.push(at);
      rows.push(r);
      continue;
    }
    if (r.inode !== null && keyedWithInode(out, base, r.inode)) continue;
    // A connection accepted between two reads is read once before accept() (inode 0) and once
    // after: the same 4-tuple twice. The kernel never holds two live TCP sockets of one 4-tuple
    // (only a TIME_WAIT one beside its successor), so the later reading (the inode) stands.
    const twin = r.inode !== null && liveConnection(r) ? liveTwin(out, base) : undefined;
    if (twin !== undefined) {
      out.set(twin, r);
      // Rare (an accept() between two reads): its place found by a walk.
      rows[order.lastIndexOf(twin)] = r;
      continue;
    }
    let key = base;
    for (let n = 2; out.has(key); n++) key = `${base}#${n}`;
    out.set(key, r);
    order.push(key);
    found.push(-1);
    rows.push(r);
  }
  return out;
}

/**
 * The records in inode order (none first), those of one inode in the order given. Each is
 * sorted as one number, its inode times a power of two above the count plus its index, by
 * the typed array's own sort: at 100k sockets half the time of a sort with a comparator.
 */
function byInode(records: readonly SocketRecord[]): SocketRecord[] {
  const n = records.length;
  const scale = 2 ** Math.ceil(Math.log2(n + 1));
  const order = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const at = (records[i]!.inode ?? 0) * scale + i;
    // Past 2^53 the number is no longer exact (a huge inode): sorted the plain way.
    if (at > Number.MAX_SAFE_INTEGER) return [...records].sort((a, b) => (a.inode ?? 0) - (b.inode ?? 0));
    order[i] = at;
  }
  order.sort();
  const sorted = new Array<SocketRecord>(n);
  for (let i = 0; i < n; i++) sorted[i] = records[order[i]! % scale]!;
  return sorted;
}

/** Runs steps to their end at once. */
function runSteps<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** A connected TCP socket other than TIME_WAIT: one at most per 4-tuple. */
const liveConnection = (r: SocketRecord) => r.proto === "tcp" && r.remotePort !== null && r.remotePort !== 0 && r.state !== "TIME_WAIT";

/** The key of a live connection of `base`'s endpoints already keyed, if any. */
function liveTwin(out: Map<string, SocketRecord>, base: string): string | undefined {
  for (let key = base, n = 2; out.has(key); key = `${base}#${n++}`) if (liveConnection(out.get(key)!)) return key;
  return undefined;
}

/** Whether a socket of `base`'s endpoints with this inode is already keyed ("#n" included). */
function keyedWithInode(out: Map<string, SocketRecord>, base: string, inode: number): boolean {
  for (let key = base, n = 2; out.has(key); key = `${base}#${n++}`) if (out.get(key)!.inode === inode) return true;
  return false;
}

/** A map's keys and values as two arrays, in its order: walked without an entry made per step. */
interface Keyed<T> {
  keys: string[];
  values: T[];
}

export class SocketTracker {
  private known = new Map<string, Tracked>();
  /** known's keys and values, in its order (by inode). */
  private knownOrder: Keyed<Tracked> = { keys: [], values: [] };
  private readings = 0;

  update(records: readonly SocketRecord[], time = Date.now()): FrameDiff {
    return runSteps(this.steps(records, time));
  }

  /**
   * The same update, with `pause()` awaited every few thousand sockets: a live screen
   * (`top`) answers keys while a big table is compared.
   */
  async updateInTurns(records: readonly SocketRecord[], pause: () => Promise<void>, time = Date.now()): Promise<FrameDiff> {
    const steps = this.steps(records, time);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      await pause();
    }
  }

  private *steps(records: readonly SocketRecord[], time: number): Generator<void, FrameDiff> {
    const initial = this.readings++ === 0;
    const opened: Tracked[] = [];
    const changed: Changed[] = [];
    const keys: string[] = [];
    const found: number[] = [];
    const rows: SocketRecord[] = [];
    const last = this.knownOrder;
    // The keying's map becomes this reading's: each key's record replaced by its entry below,
    // not a second map of every socket made each reading (at 100k, a large object each growth).
    const current: Map<string, SocketRecord | Tracked> = yield* keyingSteps(records, last, keys, found, rows);
    // The last reading's entries met again by the keying walk (nearly all of a steady table):
    // neither looked up by key nor checked for a close.
    const met = new Uint8Array(last.keys.length);
    const values = new Array<Tracked>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      if ((i + 1) % TURN === 0) yield;
      const key = keys[i]!;
      const record = rows[i]!;
      const at = found[i]!;
      if (at >= 0) met[at] = 1;
      const before = at >= 0 ? last.values[at] : this.known.get(key);
      if (!before) {
        const t: Tracked = { record, firstSeen: time, pid: record.pid, process: record.process };
        current.set(key, t);
        values[i] = t;
        opened.push(t);
        continue;
      }
      // The same socket: its entry carried over, updated (not made again for each reading).
      const from = before.record.state;
      // Written only when they change: most entries are old objects, each write a barrier.
      if (record.pid !== null && (before.pid !== record.pid || before.process !== record.process)) {
        before.pid = record.pid;
        before.process = record.process;
      }
      if (before.record !== record) before.record = record;
      current.set(key, before);
      values[i] = before;
      if (from !== record.state) changed.push({ tracked: before, from });
    }
    const closed: Tracked[] = [];
    for (let j = 0; j < last.keys.length; j++) if (met[j] === 0 && !current.has(last.keys[j]!)) closed.push(last.values[j]!);
    // Every key of the map is in `keys`, so every value is now a Tracked.
    const tracked = current as Map<string, Tracked>;
    this.known = tracked;
    this.knownOrder = { keys, values };
    return { initial, time, opened, closed, changed, current: tracked, keys, tracked: values };
  }
}

const socketOf = (t: Tracked) => ({
  ...ipKind(t.record),
  localAddress: t.record.localAddress,
  localPort: t.record.localPort,
  remoteAddress: t.record.remoteAddress,
  remotePort: t.record.remotePort,
  pid: t.pid,
  process: t.process,
});

/**
 * The events of one reading, for `--watch --ndjson`. The first reading reports every socket
 * as opened with `initial: true` (it was open before the watch began).
 */
export function diffEvents(diff: FrameDiff): WatchEvent[] {
  const time = new Date(diff.time).toISOString();
  const seen = (t: Tracked) => Math.max(0, diff.time - t.firstSeen);
  return [
    ...diff.closed.map((t): WatchEvent => ({ event: "closed", time, socket: socketOf(t), state: t.record.state, seenMs: seen(t) })),
    ...diff.changed.map(
      (c): WatchEvent => ({ event: "state", time, socket: socketOf(c.tracked), from: c.from, to: c.tracked.record.state, seenMs: seen(c.tracked) }),
    ),
    ...diff.opened.map(
      (t): WatchEvent => ({ event: "opened", time, initial: diff.initial, socket: socketOf(t), state: t.record.state }),
    ),
  ];
}
