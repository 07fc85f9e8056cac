import type { SocketRecord } from "../model/socket.js";
import { rowRecord, type ProcRow } from "../model/socket-row.js";

/**
 * Records for a screen that reads the same sockets again and again (`top`): a /proc/net row
 * that reads as it did last time gives back last time's record instead of a new one. At 100k
 * steady sockets a reading then makes almost no objects, and the records, which live from one
 * reading to the next, are not copied into the old generation and collected there each time
 * (BENCHMARKS.md, issue 20).
 *
 *   const reuse = new RecordReuse();
 *   reuse.begin();
 *   loadReport(flags, { onRow: reuse.row, onRecord: reuse.record });
 *   const records = reuse.end();      // unchanged sockets: the very objects of the last reading
 *
 * The kernel prints a table in the same order each time (hash bucket by bucket), so the last
 * reading's socket for a row is found at a cursor that moves with the rows; a socket opened or
 * closed shifts it by a few, and a bigger jump is looked up by inode. A record handed back may
 * carry what its user set on it (its holders): the user sets those again at each reading.
 */
export class RecordReuse {
  private last: SocketRecord[] = [];
  private next: SocketRecord[] = [];
  /** Where in `last` the next row's socket is looked for first. */
  private at = 0;
  /** The highest inode of `last`: a row above it is a new socket, not looked for. */
  private lastTop = 0;
  /** Inode -> index in `last`, made only when the cursor lost its place. */
  private byInode: Map<number, number> | null = null;
  /** The records handed back at the last reading (what the tests check). */
  reused = 0;

  /** Starts a reading. */
  begin(): void {
    this.next = [];
    this.at = 0;
    this.byInode = null;
    this.reused = 0;
  }

  /** A decoded row (the parser's reused object): its record, last time's when nothing changed. */
  readonly row = (row: ProcRow): void => {
    const before = row.inode ? this.find(row.inode) : undefined;
    if (before !== undefined && sameRow(before, row)) {
      this.reused++;
      this.next.push(before);
    } else this.next.push(rowRecord(row));
  };

  /** A record made by its source (one that cannot hand rows over): kept as it is. */
  readonly record = (r: SocketRecord): void => void this.next.push(r);

  /** Ends a reading: its records, in the order read. */
  end(): SocketRecord[] {
    const records = this.next;
    this.last = records;
    this.next = [];
    this.byInode = null;
    let top = 0;
    for (const r of records) if (r.inode !== null && r.inode > top) top = r.inode;
    this.lastTop = top;
    return records;
  }

  /** Last reading's socket with this inode, if any. */
  private find(inode: number): SocketRecord | undefined {
    if (inode > this.lastTop) return undefined;
    const last = this.last;
    // At the cursor, or a few places on (sockets closed since the last reading).
    for (let k = this.at, end = Math.min(last.length, this.at + LOOK_AHEAD); k < end; k++)
      if (last[k]!.inode === inode) {
        this.at = k + 1;
        return last[k];
      }
    if (this.byInode === null) {
      this.byInode = new Map();
      for (let k = 0; k < last.length; k++) if (last[k]!.inode) this.byInode.set(last[k]!.inode!, k);
    }
    const k = this.byInode.get(inode);
    if (k === undefined) return undefined;
    this.at = k + 1;
    return last[k];
  }
}

/** How far past the cursor a row's socket is looked for before the inode lookup. */
const LOOK_AHEAD = 8;

/** Whether a record says what the row says (owners aside: a row has none). */
function sameRow(r: SocketRecord, row: ProcRow): boolean {
  if (r.inode !== row.inode || r.state !== row.state || r.localPort !== row.localPort || r.remotePort !== row.remotePort) return false;
  if (r.recvQ !== row.recvQ || r.sendQ !== row.sendQ || r.uid !== row.uid || r.user !== row.user) return false;
  if (r.localAddress !== row.localAddress || r.remoteAddress !== row.remoteAddress || r.proto !== row.proto || r.family !== row.family) return false;
  const t = r.timer;
  if (t === null) return row.timerKind === null;
  return t.kind === row.timerKind && t.expiresInMs === row.expiresInMs && t.retransmits === row.retransmits;
}
