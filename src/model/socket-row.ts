import type { Proto, SocketRecord, Timer } from "./socket.js";
import type { TcpState } from "./state.js";

/**
 * One socket row as a table parser decodes it: a socket record's fields without the owner,
 * in an object reused row after row, so that a listing of 100k sockets makes no object per
 * row. The Linux /proc/net parser (src/sources/linux-procfs/parse-proc-net.ts) fills it; the
 * streaming writers (src/format/json-stream.ts, table-gathered.ts) write from it, before the
 * next row is read. `user` is filled by whoever knows the names.
 */
export interface ProcRow {
  proto: Proto;
  family: "ipv4" | "ipv6";
  localAddress: string;
  localPort: number;
  remoteAddress: string | null;
  remotePort: number | null;
  state: TcpState | null;
  recvQ: number;
  sendQ: number;
  uid: number | null;
  user: string | null;
  inode: number | null;
  /** No timer: null; else its kind, with expiresInMs and retransmits. */
  timerKind: Timer["kind"] | null;
  expiresInMs: number;
  retransmits: number;
}

/** A decoded row as a record (no owner: the row has none). */
export function rowRecord(row: ProcRow): SocketRecord {
  return {
    proto: row.proto,
    family: row.family,
    localAddress: row.localAddress,
    localPort: row.localPort,
    remoteAddress: row.remoteAddress,
    remotePort: row.remotePort,
    state: row.state,
    recvQ: row.recvQ,
    sendQ: row.sendQ,
    pid: null,
    process: null,
    uid: row.uid,
    user: row.user,
    inode: row.inode,
    timer: row.timerKind === null ? null : { kind: row.timerKind, expiresInMs: row.expiresInMs, retransmits: row.retransmits },
  };
}
