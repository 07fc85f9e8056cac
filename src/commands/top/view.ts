import { containerLabel, shownHolder } from "../../lib/owners.js";
import type { SocketRecord, TcpInfo } from "../../model/socket.js";
import type { TcpState } from "../../model/state.js";

/**
 * What `tcpstat top` shows, as data: the rows of the last reading (and those that went away a
 * moment ago), the sort, the filter, the grouping, the selection and the open panel. The render
 * functions draw it; the key handler changes it; only the session reads sockets and writes.
 */

/** TCPView's convention: new green, changed state yellow, gone red, each for a few refreshes. */
export type Mark = "new" | "changed" | "gone";

export interface TopRow {
  /** The socket's key across readings (src/lib/watch-diff.ts). */
  key: string;
  record: SocketRecord;
  mark: Mark | null;
  /** Bytes a second acknowledged by the peer / received, over the last refresh; null when unknown. */
  sentBps: number | null;
  recvBps: number | null;
  /** The connection's tcp_info this refresh (ss, read for the rows on screen), for the details panel. */
  info: TcpInfo | null;
  /** Its holders are not read yet (a socket newer than the last holder scan): shown as such, not as "none". */
  holdersPending?: boolean;
}

export type ColumnId = "proto" | "state" | "local" | "remote" | "sent" | "recv" | "holder" | "recvQ" | "sendQ" | "container" | "unit";
export type GroupBy = "process" | "port" | "state" | "container";
export const GROUPINGS: readonly GroupBy[] = ["process", "port", "state", "container"];

export interface HolderDetail {
  pid: number;
  process: string | null;
  user: string | null;
  fd: number | null;
  /** The command line from /proc/PID/cmdline; null when it could not be read. */
  commandLine: string | null;
}

/** What Enter shows beyond the row itself, read when the panel opens. */
export interface Details {
  holders: HolderDetail[];
  /** Doctor's findings that name this socket's port, peer, process or state (one line each). */
  findings: string[];
  findingsNote: string | null;
  /** tcp_info read when the panel opened (the row's own may not be read yet); null when none. */
  info?: TcpInfo | null;
  /** Every field ss printed for it, by ss's names (ss -ti's words); null when none was read. */
  ssFields?: Array<[string, string | null]> | null;
}

export type Panel =
  | { kind: "none" }
  | { kind: "help" }
  | { kind: "details"; key: string; row: TopRow; details: Details | null; offset: number }
  | { kind: "close"; row: TopRow }
  | { kind: "kill"; pid: number; name: string; signal: "SIGTERM" | "SIGKILL"; note?: string };

export interface Totals {
  sockets: number;
  byState: Partial<Record<TcpState | "UDP", number>>;
  /** State changes a second from trace; null when trace is not running. */
  transitionsPerSecond: number | null;
  traceNote: string | null;
  busiest: Array<{ name: string; bps: number }>;
}

export interface TopView {
  rows: TopRow[];
  totals: Totals;
  sort: { column: ColumnId; reverse: boolean };
  filter: { text: string; typing: boolean; error: string | null; match: ((r: SocketRecord) => boolean) | null };
  group: GroupBy | null;
  /** The selected row's key (kept across refreshes), and the first row on screen. */
  selected: string | null;
  top: number;
  panel: Panel;
  paused: boolean;
  resolve: boolean;
  /** One line for the user (an action's result, a refusal); cleared by the next key. */
  message: string | null;
  refresh: { costMs: number; intervalMs: number; effectiveMs: number; time: Date };
  /** Whether tcp_info could be read (ss): without it the bytes/s columns say "-". */
  tcpInfo: boolean;
  /**
   * What is still being read or read at a slower pace than the refresh, said in the header:
   * "holders: reading", "bytes/s: reading", "holders every 6 s", "all bytes/s every 5 s".
   */
  behind: string[];
}

export type TcpInfoByInode = ReadonlyMap<number, TcpInfo>;

export function emptyView(intervalMs: number): TopView {
  return {
    rows: [],
    totals: { sockets: 0, byState: {}, transitionsPerSecond: null, traceNote: null, busiest: [] },
    sort: { column: "sent", reverse: false },
    filter: { text: "", typing: false, error: null, match: null },
    group: null,
    selected: null,
    top: 0,
    panel: { kind: "none" },
    paused: false,
    resolve: false,
    message: null,
    refresh: { costMs: 0, intervalMs, effectiveMs: intervalMs, time: new Date() },
    tcpInfo: true,
    behind: [],
  };
}

/**
 * The shown holder's container or systemd unit, or null: read with the holders (holder-cache.ts,
 * or the reading itself under --container and --unit), as --who reads them.
 */
export function extraText(r: SocketRecord, field: "container" | "unit"): string | null {
  const o = shownHolder(r);
  if (field === "unit") return o?.unit ?? null;
  return o?.container ? containerLabel(o.container) : null;
}
