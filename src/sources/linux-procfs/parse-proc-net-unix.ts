import type { ParseResult, Problem, SocketRecord, UnixInfo } from "../../model/socket.js";
import { LINUX_UNIX_STATES, UNIX_ACCEPTCON } from "../../model/state.js";

/**
 * Parser for /proc/net/unix, the kernel's unix domain sockets (net/unix/af_unix.c, unix_seq_show):
 *
 *   Num       RefCount Protocol Flags    Type St Inode Path
 *   0000000058911950: 00000002 00000000 00010000 0001 01 8147723 @app
 *   00000000a148efde: 00000002 00000000 00000000 0002 03 8147725
 *
 * -> a stream socket listening on the abstract name "@app" (Flags 00010000: __SO_ACCEPTCON),
 *    inode 8147723; a connected, unbound datagram socket, inode 8147725.
 * Type is SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5; St as LINUX_UNIX_STATES reads it.
 * The name follows the inode after one space, byte for byte: an abstract name starts with @
 * (its NUL bytes are printed as @ too), and a file name may hold spaces or even a line end,
 * so a line that does not start a row continues the name before it.
 *
 * Queues and peers are not in this file (ss gets them over netlink): recvQ and sendQ are null
 * and unix.peerInode is null until src/sources/linux-ss/unix-peers.ts fills them in.
 */

const TYPES: Readonly<Record<number, UnixInfo["type"]>> = { 1: "stream", 2: "dgram", 5: "seqpacket" };

const ROW = /^([0-9a-fA-F]+): ([0-9A-Fa-f]{8}) ([0-9A-Fa-f]{8}) ([0-9A-Fa-f]{8}) ([0-9A-Fa-f]{4}) ([0-9A-Fa-f]{2}) +(\d+)(?: (.*))?$/s;

export interface UnixParseResult extends ParseResult {
  /** Rows with inode 0: a connection queued on a listener and not yet accepted (no socket file; ss lists none). */
  pending: number;
}

export function parseProcNetUnix(text: string, source = "/proc/net/unix"): UnixParseResult {
  const records: SocketRecord[] = [];
  const problems: Problem[] = [];
  let pending = 0;
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  // The rows with the line numbers they start on; lines that start none continue a name.
  const rows: Array<{ text: string; line: number }> = [];
  for (const [i, line] of lines.entries()) {
    if (i === 0 && line.startsWith("Num")) continue;
    if (ROW.test(line) || rows.length === 0) rows.push({ text: line, line: i + 1 });
    else rows.at(-1)!.text += `\n${line}`;
  }
  for (const { text: row, line } of rows) {
    const m = ROW.exec(row);
    const type = m ? TYPES[parseInt(m[5]!, 16)] : undefined;
    const flags = m ? parseInt(m[4]!, 16) : 0;
    const st = m ? parseInt(m[6]!, 16) : 0;
    const state = flags & UNIX_ACCEPTCON ? "LISTEN" : LINUX_UNIX_STATES[st];
    if (!m || type === undefined || state === undefined) {
      const reason = !m ? "not a /proc/net/unix row" : type === undefined ? `unknown socket type ${m[5]}` : `unknown state ${m[6]}`;
      problems.push({ source, line, text: row, reason });
      continue;
    }
    const inode = Number(m[7]);
    if (inode === 0) {
      pending++;
      continue;
    }
    const path = m[8] === undefined || m[8] === "" ? null : m[8];
    records.push({
      proto: "unix",
      family: "unix",
      localAddress: path ?? "*",
      localPort: 0,
      remoteAddress: null,
      remotePort: null,
      state,
      recvQ: null,
      sendQ: null,
      pid: null,
      process: null,
      uid: null,
      user: null,
      inode,
      timer: null,
      unix: { type, path, abstract: path !== null && path.startsWith("@"), peerInode: null, peerPid: null, peerProcess: null },
    });
  }
  return { records, problems, pending };
}
