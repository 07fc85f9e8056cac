import type { TcpInfo } from "../../model/socket.js";
import { turn } from "./turn.js";

/**
 * Each connection's bytes a second, from tcp_info's bytes_acked and bytes_received counters
 * (ss), by inode: a rate is the change between a socket's last two readings over the time
 * between them. Readings come of two kinds, each in a book of its own (a rate compares two
 * readings of one kind, whose times are alike): every socket (the full `ss -tainHOe`, at a slow
 * cadence on a big table) and the rows on screen (a filtered ss each refresh). Each reading
 * drops what it no longer has (see take), so a long run does not grow.
 *
 *   t=0 s bytes_acked 1000, t=2 s 5000  ->  sent 2000 B/s until the socket's next reading
 *
 * A book holds its numbers in one Float64Array, a row of COLUMNS a socket (NaN: no rate yet),
 * found by inode: at 100k sockets an object a socket (and its boxed numbers) was about 10 MB,
 * made again by each full reading while the last was still held (BENCHMARKS.md, issue 20).
 */
const COLUMNS = 5;
const SENT = 0;
const RECV = 1;
const TIME = 2;
const SENT_BPS = 3;
const RECV_BPS = 4;

export interface InfoReading {
  get(inode: number): TcpInfo | undefined;
  inodes(): IterableIterator<number>;
  /** bytes_acked and bytes_received into `into` without an object made (ss's store has it); false when unknown. */
  bytes?(inode: number, into: Float64Array): boolean;
  /** How many sockets it holds, when it knows (the rates are sized from it). */
  readonly size?: number;
}

/** A socket's bytes_acked and bytes_received into `into` (through bytes() where the reading has it); false when unknown. */
export function countersOf(reading: InfoReading, inode: number, into: Float64Array): boolean {
  if (reading.bytes) return reading.bytes(inode, into);
  const ti = reading.get(inode);
  if (!ti || ti.bytesAcked === null || ti.bytesReceived === null) return false;
  into[0] = ti.bytesAcked;
  into[1] = ti.bytesReceived;
  return true;
}

/** Rows between two turns of the event loop while a full reading is taken in. */
const CHUNK = 4000;

/** Inode -> row, and the rows. */
interface Rows {
  slots: Map<number, number>;
  values: Float64Array;
}

const emptyRows = (size: number): Rows => ({ slots: new Map(), values: new Float64Array(Math.max(16, size) * COLUMNS) });

export class RateBook {
  private rows: Rows = emptyRows(0);
  private readonly counters = new Float64Array(2);
  /** When the last reading was taken (Date.now()), null before the first. */
  at: number | null = null;

  /**
   * A reading taken at `time` (the middle of ss's run). `all`: of every socket, and those it
   * lacks are dropped; otherwise of some, and those neither it nor the one before read are
   * dropped. Yields to keys every CHUNK sockets.
   */
  async take(reading: InfoReading, time: number, all: boolean): Promise<void> {
    const before = this.rows;
    const size = reading.size ?? 0;
    let into = emptyRows(all ? size : before.slots.size + size);
    let n = 0;
    for (const inode of reading.inodes()) {
      if (++n % CHUNK === 0) await turn();
      this.count(reading, inode, time, before, into);
    }
    if (!all) {
      // A partial reading (a few rows) keeps the others too, then drops those neither it nor the one before read.
      before.slots.forEach((slot, inode) => {
        if (!into.slots.has(inode)) copyRow(before, slot, into, inode);
      });
      const since = this.at;
      if (since !== null) {
        const all = into;
        into = emptyRows(all.slots.size);
        all.slots.forEach((slot, inode) => {
          if (all.values[slot * COLUMNS + TIME]! >= since) copyRow(all, slot, into, inode);
        });
      }
    }
    this.rows = into;
    this.at = time;
  }

  /** Puts the socket's row into `into` (its rate when read twice), or the one before when this reading has none for it. */
  private count(reading: InfoReading, inode: number, time: number, before: Rows, into: Rows): void {
    const c = this.counters;
    const known = countersOf(reading, inode, c);
    const last = before.slots.get(inode);
    if (!known || (last !== undefined && before.values[last * COLUMNS + TIME]! >= time)) {
      if (last !== undefined) copyRow(before, last, into, inode);
      return;
    }
    const row = addRow(into, inode);
    const v = into.values;
    v[row + SENT] = c[0]!;
    v[row + RECV] = c[1]!;
    v[row + TIME] = time;
    v[row + SENT_BPS] = NaN;
    v[row + RECV_BPS] = NaN;
    if (last !== undefined) {
      const b = before.values;
      const at = last * COLUMNS;
      if (c[0]! >= b[at + SENT]! && c[1]! >= b[at + RECV]!) {
        const seconds = (time - b[at + TIME]!) / 1000;
        v[row + SENT_BPS] = (c[0]! - b[at + SENT]!) / seconds;
        v[row + RECV_BPS] = (c[1]! - b[at + RECV]!) / seconds;
      }
    }
  }

  /** The socket's row (its first column's index), or -1 when it has none. */
  slot(inode: number | null): number {
    if (inode === null) return -1;
    const slot = this.rows.slots.get(inode);
    return slot === undefined ? -1 : slot * COLUMNS;
  }

  /** A row's rates (null when not read twice yet) and the time of its last reading. */
  sentBps(row: number): number | null {
    const x = this.rows.values[row + SENT_BPS]!;
    return Number.isNaN(x) ? null : x;
  }

  recvBps(row: number): number | null {
    const x = this.rows.values[row + RECV_BPS]!;
    return Number.isNaN(x) ? null : x;
  }

  time(row: number): number {
    return this.rows.values[row + TIME]!;
  }

  /** The socket's last counters and rate (null when it has not been read twice yet), as an object: for tests and the odd look-up. */
  of(inode: number | null): { sent: number; recv: number; time: number; sentBps: number | null; recvBps: number | null } | undefined {
    const row = this.slot(inode);
    const v = this.rows.values;
    return row < 0 ? undefined : { sent: v[row + SENT]!, recv: v[row + RECV]!, time: this.time(row), sentBps: this.sentBps(row), recvBps: this.recvBps(row) };
  }
}

/** A new row for `inode` in `rows` (grown when full); returns its first column's index. */
function addRow(rows: Rows, inode: number): number {
  const slot = rows.slots.size;
  rows.slots.set(inode, slot);
  if ((slot + 1) * COLUMNS > rows.values.length) {
    const values = new Float64Array(rows.values.length * 2);
    values.set(rows.values);
    rows.values = values;
  }
  return slot * COLUMNS;
}

function copyRow(from: Rows, slot: number, into: Rows, inode: number): void {
  const row = addRow(into, inode);
  into.values.set(from.values.subarray(slot * COLUMNS, slot * COLUMNS + COLUMNS), row);
}
