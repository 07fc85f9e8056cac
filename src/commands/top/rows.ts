import type { FrameDiff, Tracked } from "../../lib/watch-diff.js";
import type { SocketRecord, TcpInfo } from "../../model/socket.js";
import { HOLDERS_PENDING, processLabel } from "./format.js";
import type { RateBook } from "./rates.js";
import type { Mark, Totals, TopRow } from "./view.js";

/** How many refreshes a new, changed or gone connection keeps its colour (TCPView: a few). */
export const MARK_REFRESHES = 3;

/** What a refresh knows beyond the sockets: rates, the tcp_info read this refresh, whose holders are not read yet. */
export interface RowSources {
  /** Rates from the readings of the rows on screen, and from those of every socket (rates.ts). */
  screenRates: RateBook;
  allRates: RateBook;
  /** tcp_info of the rows read this refresh (those on screen), null when none was read. */
  info: { get(inode: number): TcpInfo | undefined } | null;
  /** Records whose holders are not known yet (newer than the last holder scan). */
  pending: ReadonlySet<SocketRecord> | null;
}

/**
 * From one reading to the next: which rows are new, changed or gone (kept, red, for a few
 * refreshes), with each connection's bytes a second from the rate book. Only the sockets of
 * the last reading and the few just gone are held, so a long run does not grow
 * (BENCHMARKS.md, issue 20).
 */
export class RowBook {
  private marks = new Map<string, { mark: Mark; left: number }>();
  private gone = new Map<string, { record: SocketRecord; left: number }>();
  /** The last reading's sockets: the tracker's own map of it (diff.current), not a copy. */
  private previous: ReadonlyMap<string, Tracked> = new Map();
  /** The last reading's sockets and their rows, in the same order (the tracker's, by inode). */
  private lastTracked: readonly Tracked[] = [];
  private lastRows: TopRow[] = [];

  /** The rows of a reading (`diff` from SocketTracker); `pause()` is awaited every few thousand rows. */
  async update(diff: FrameDiff, from: RowSources, pause: () => Promise<void> = async () => {}): Promise<TopRow[]> {
    for (const [key, m] of this.marks) if (--m.left <= 0) this.marks.delete(key);
    for (const [key, g] of this.gone) if (--g.left <= 0 || diff.current.has(key)) this.gone.delete(key);
    const opened = new Set<Tracked>(diff.initial ? [] : diff.opened);
    const changed = new Set<Tracked>(diff.changed.map((c) => c.tracked));
    // The keys and sockets as arrays (the tracker's): a loop over the map's entries made an array per socket.
    const { keys, tracked } = diff;
    const { lastTracked, lastRows } = this;
    // Of its size at once: pushed, a 100k-row array is made again at each growth.
    const made = new Array<TopRow>(keys.length);
    // Walked beside this reading: both are in inode order (the tracker's), as the tracker walks its last reading.
    let c = 0;
    for (let i = 0; i < keys.length; i++) {
      if ((i + 1) % TURN === 0) await pause();
      const key = keys[i]!;
      const t = tracked[i]!;
      if (opened.has(t)) this.marks.set(key, { mark: "new", left: MARK_REFRESHES });
      else if (changed.has(t)) this.marks.set(key, { mark: "changed", left: MARK_REFRESHES });
      const record = shownRecord(t);
      // The screen's rate where it has one (read each refresh) and is the newer, else the one of every socket.
      const { screenRates: screen, allRates: all } = from;
      const onScreen = screen.slot(record.inode);
      const ofAll = all.slot(record.inode);
      const screenNewer = onScreen >= 0 && screen.sentBps(onScreen) !== null && !(ofAll >= 0 && all.sentBps(ofAll) !== null && all.time(ofAll) > screen.time(onScreen));
      const book = screenNewer ? screen : all;
      const at = screenNewer ? onScreen : ofAll;
      const known = at >= 0;
      const mark = this.marks.get(key)?.mark ?? null;
      const sentBps = known ? book.sentBps(at) : null;
      const recvBps = known ? book.recvBps(at) : null;
      const pending = from.pending?.has(t.record) === true;
      const info = (from.info && record.inode ? from.info.get(record.inode) : undefined) ?? null;
      // The last reading's row of this socket: the walk's entry when it is this socket's.
      const inode = t.record.inode ?? 0;
      while (c < lastRows.length && (lastRows[c]!.record.inode ?? 0) < inode) c++;
      const before = c < lastRows.length && lastTracked[c] === t ? lastRows[c] : undefined;
      // Unchanged (most rows of a steady table): the same row again, no object made.
      let row: TopRow;
      if (before !== undefined && sameRow(before, key, record, mark, sentBps, recvBps, info, pending)) row = before;
      else {
        row = { key, record, mark, sentBps, recvBps, info };
        if (pending) row.holdersPending = true;
      }
      made[i] = row;
    }
    this.lastTracked = tracked;
    this.lastRows = made;
    // Gone since the last reading: the previous reading's keys this one lacks.
    this.previous.forEach((t, key) => {
      if (!diff.current.has(key)) this.gone.set(key, { record: shownRecord(t), left: MARK_REFRESHES });
    });
    this.previous = diff.current;
    if (this.gone.size === 0) return made;
    const gone: TopRow[] = [];
    for (const [key, g] of this.gone) gone.push({ key, record: g.record, mark: "gone", sentBps: null, recvBps: null, info: null });
    return made.concat(gone);
  }
}

/** Whether a row shows exactly these. */
const sameRow = (row: TopRow, key: string, record: SocketRecord, mark: Mark | null, sentBps: number | null, recvBps: number | null, info: TcpInfo | null, pending: boolean) =>
  row.key === key && row.record === record && row.mark === mark && row.sentBps === sentBps && row.recvBps === recvBps && row.info === info && (row.holdersPending === true) === pending;

/** A socket's record with its last known holder (TIME_WAIT sockets lose theirs). */
const shownRecord = (t: Tracked): SocketRecord => (t.record.pid === null && t.pid !== null ? { ...t.record, pid: t.pid, process: t.process } : t.record);

/** Rows between two pauses of an update. */
const TURN = 5000;

/** The header's totals: sockets by state (gone rows not counted), the processes moving the most bytes. */
export function totalsOf(rows: readonly TopRow[], transitionsPerSecond: number | null, traceNote: string | null): Totals {
  const byState: Totals["byState"] = {};
  const bytes = new Map<string, number>();
  let sockets = 0;
  for (const row of rows) {
    if (row.mark === "gone") continue;
    sockets++;
    const s = row.record.state ?? "UDP";
    byState[s] = (byState[s] ?? 0) + 1;
    const moved = (row.sentBps ?? 0) + (row.recvBps ?? 0);
    if (moved > 0) {
      const name = row.holdersPending ? HOLDERS_PENDING : processLabel(row.record);
      bytes.set(name, (bytes.get(name) ?? 0) + moved);
    }
  }
  const busiest = [...bytes].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name, bps]) => ({ name, bps }));
  return { sockets, byState, transitionsPerSecond, traceNote, busiest };
}
