import { formatEndpoint } from "../lib/endpoint.js";
import { ownerName } from "../lib/owners.js";
import { escapeControl } from "../lib/safe-text.js";
import type { SocketRecord } from "../model/socket.js";
import { SS_STATE_WORDS, type TcpState } from "../model/state.js";
import { alignColumns, widthOf, type Cell } from "./columns.js";
import type { RenderContext } from "./render-context.js";
import { STATE_MEANING, paint, paintHeader } from "./style.js";
import { compareSockets, formatTimer } from "./table.js";

/**
 * The table of a listing with raw or unix sockets (-w, -x), in ss's columns, since ss is where
 * those are read (`ss -xp`, `ss -wp`):
 *
 *   Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port PID/Program Peer PID/Program
 *   u_str LISTEN 0      128    @app 8147723       * 0               2934/app    -
 *   u_str ESTAB  0      0      * 8147726          * 8147727         2934/app    2934/app
 *   raw   UNCONN 0      0      0.0.0.0:1          0.0.0.0:*         812/ping    -
 *
 * A unix socket shows its name (a path, @ for an abstract name, * unbound) and inode where an IP
 * socket has its address and port, its peer's inode in the peer's place (0: none, -: unknown
 * without ss), and the process holding the peer. A raw socket's port is its IP protocol, as ss
 * shows it. States are ss's words; every name from the system has its control characters escaped.
 */

const NETIDS: Readonly<Record<string, string>> = { stream: "u_str", dgram: "u_dgr", seqpacket: "u_seq" };
const KIND_ORDER: Readonly<Record<SocketRecord["proto"], number>> = { tcp: 0, udp: 1, raw: 2, unix: 3 };

const netid = (r: SocketRecord) => (r.unix ? NETIDS[r.unix.type]! : r.proto);

/** UDP has no state in the record: ss's words for it, by whether it has a peer. */
function stateOf(r: SocketRecord): TcpState {
  return r.state ?? (r.remotePort === null ? "CLOSE" : "ESTABLISHED");
}

function local(r: SocketRecord): string {
  if (r.family !== "unix") return formatEndpoint(r.localAddress, r.localPort, r.family);
  return `${formatEndpoint(r.localAddress, null, "unix")} ${r.inode ?? "-"}`;
}

function peer(r: SocketRecord): string {
  if (r.family !== "unix") return formatEndpoint(r.remoteAddress, r.remotePort, r.family);
  return `* ${r.unix?.peerInode ?? "-"}`;
}

function compare(a: SocketRecord, b: SocketRecord): number {
  const kind = KIND_ORDER[a.proto] - KIND_ORDER[b.proto];
  if (kind !== 0) return kind;
  if (a.proto !== "unix") return compareSockets(a, b);
  return (
    Number(b.state === "LISTEN") - Number(a.state === "LISTEN") ||
    netid(a).localeCompare(netid(b)) ||
    a.localAddress.localeCompare(b.localAddress) ||
    (a.inode ?? 0) - (b.inode ?? 0)
  );
}

export async function* renderSsTable(records: readonly SocketRecord[], ctx: RenderContext): AsyncIterable<string> {
  const { chalk } = ctx;
  const sorted = [...records].sort(compare);
  const width = await widthOf(sorted, (r) => r.process, (r) => r.unix?.peerProcess, (r) => r.localAddress);
  const unix = sorted.some((r) => r.proto === "unix");
  const holder = (r: SocketRecord) => (r.pid === null ? "-" : `${r.pid}/${ownerName(escapeControl(r.process ?? ""), r)}`);
  const peerHolder = (r: SocketRecord) => (r.unix?.peerPid == null ? "-" : `${r.unix.peerPid}/${escapeControl(r.unix.peerProcess ?? "")}`);
  const head = ["Netid", "State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port", "PID/Program"];
  if (unix) head.push("Peer PID/Program");
  if (ctx.timers) head.push("Timer");
  const rows: Array<Array<Cell | string>> = [];
  if (ctx.header !== false) rows.push(head.map((h) => ({ text: h, paint: (t: string) => paintHeader(chalk, t) })));
  for (const r of sorted) {
    const state = stateOf(r);
    const row: Array<Cell | string> = [
      netid(r),
      chalk.level === 0 ? SS_STATE_WORDS[state] : { text: SS_STATE_WORDS[state], paint: (t: string) => paint(chalk, STATE_MEANING[state], t) },
      String(r.recvQ ?? "-"),
      String(r.sendQ ?? "-"),
      local(r),
      peer(r),
      holder(r),
    ];
    if (unix) row.push(peerHolder(r));
    if (ctx.timers) row.push(formatTimer(r.timer));
    rows.push(row);
  }
  if (rows.length === 0) return;
  yield `${alignColumns(rows, head.map(() => "left"), width)}\n`;
}
