import type { FrameDiff, Tracked } from "../../lib/watch-diff.js";
import type { SocketRecord, TcpInfo } from "../../model/socket.js";
import { processLabel } from "./format.js";
import type { Mark, Totals, TopRow } from "./view.js";

/** How many refreshes a new, changed or gone connection keeps its colour (TCPView: a few). */
export const MARK_REFRESHES = 3;

interface Counters {
  sent: number;
  recv: number;
  time: number;
}

/**
 * From one reading to the next: which rows are new, changed or gone (kept, red, for a few
 * refreshes), and each connection's bytes a second from tcp_info's bytes_acked and
 * bytes_received counters. Only the sockets of the last reading and the few just gone are
 * held, so a long run does not grow (BENCHMARKS.md, issue 20).
 */
export class RowBook {
  private marks = new Map<string, { mark: Mark; left: number }>();
  private gone = new Map<string, { record: SocketRecord; left: number }>();
  private counters = new Map<string, Counters>();
  private previous = new Map<string, SocketRecord>();

  /** The rows of a reading (`diff` from SocketTracker), `info` by inode when ss could be read. */
  update(diff: FrameDiff, info: { get(inode: number): TcpInfo | undefined } | null): TopRow[] {
    for (const [key, m] of this.marks) if (--m.left <= 0) this.marks.delete(key);
    for (const [key, g] of this.gone) if (--g.left <= 0 || diff.current.has(key)) this.gone.delete(key);
    const opened = new Set<Tracked>(diff.opened);
    const changed = new Set<Tracked>(diff.changed.map((c) => c.tracked));
    const counters = new Map<string, Counters>();
    const rows: TopRow[] = [];
    for (const [key, t] of diff.current) {
      if (!diff.initial && opened.has(t)) this.marks.set(key, { mark: "new", left: MARK_REFRESHES });
      else if (changed.has(t)) this.marks.set(key, { mark: "changed", left: MARK_REFRESHES });
      const record = t.record.pid === null && t.pid !== null ? { ...t.record, pid: t.pid, process: t.process } : t.record;
      const row: TopRow = { key, record, mark: this.marks.get(key)?.mark ?? null, sentBps: null, recvBps: null, info: null };
      const ti = info && record.inode ? info.get(record.inode) : undefined;
      if (ti) row.info = ti;
      if (ti && ti.bytesAcked !== null && ti.bytesReceived !== null) {
        const now: Counters = { sent: ti.bytesAcked, recv: ti.bytesReceived, time: diff.time };
        const before = this.counters.get(key);
        if (before && now.time > before.time && now.sent >= before.sent && now.recv >= before.recv) {
          const seconds = (now.time - before.time) / 1000;
          row.sentBps = (now.sent - before.sent) / seconds;
          row.recvBps = (now.recv - before.recv) / seconds;
        } else if (!before && !diff.initial && opened.has(t)) {
          // Opened since the last reading: everything it moved, it moved since then.
          row.sentBps = 0;
          row.recvBps = 0;
        }
        counters.set(key, now);
      }
      rows.push(row);
    }
    // Gone since the last reading: the previous reading's keys this one lacks.
    for (const [key, record] of this.previous) if (!diff.current.has(key)) this.gone.set(key, { record, left: MARK_REFRESHES });
    for (const [key, g] of this.gone) rows.push({ key, record: g.record, mark: "gone", sentBps: null, recvBps: null, info: null });
    this.counters = counters;
    this.previous = new Map(rows.filter((r) => r.mark !== "gone").map((r) => [r.key, r.record]));
    return rows;
  }
}

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
      const name = processLabel(row.record);
      bytes.set(name, (bytes.get(name) ?? 0) + moved);
    }
  }
  const busiest = [...bytes].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name, bps]) => ({ name, bps }));
  return { sockets, byState, transitionsPerSecond, traceNote, busiest };
}
