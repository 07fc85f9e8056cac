import type { Problem } from "../../model/socket.js";

/**
 * What ss knows of unix sockets and /proc/net/unix does not (ss asks the kernel over netlink,
 * UNIX_DIAG_PEER and UNIX_DIAG_RQLEN), from `ss -xanH`, by the socket's inode:
 *
 *   u_str ESTAB  0      0          @app 8147727            * 8147726
 *   u_str LISTEN 1      128        @app 8147723            * 0
 *   -> 8147727: peer 8147726, Recv-Q 0, Send-Q 0; 8147723: no peer (0), Recv-Q 1, Send-Q 128
 *
 * The name may hold spaces (and ss prints a line end in it as is: the next line then continues
 * the row, until the row has its inodes), so a row is read from both ends: Netid, State and the queues from the left; the inode,
 * the peer's name (always * when ss reads netlink: it names no peer) and the peer's inode from the right.
 */

export interface SsUnixRow {
  peerInode: number;
  recvQ: number;
  sendQ: number;
}

const ROW = /^u_(?:str|dgr|seq)\s+\S+\s+(\d+)\s+(\d+)\s.*?\s(\d+)\s+\S+\s+(\d+)\s*$/s;
// Greedy before the inode: the last three words are the inode, the peer's name and its inode.
const TAIL = /^(?:.*)\s(\d+)\s+\S+\s+(\d+)\s*$/s;

export function parseSsUnix(text: string, source = "ss -xanH"): { byInode: Map<number, SsUnixRow>; problems: Problem[] } {
  const byInode = new Map<number, SsUnixRow>();
  const problems: Problem[] = [];
  const rows: Array<{ text: string; line: number }> = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "" && rows.length === 0) continue;
    // A line goes on a row only while that row lacks its inodes (its name holds a line end).
    const open = rows.length > 0 && !ROW.test(rows.at(-1)!.text);
    if (line.startsWith("u_") || !open) rows.push({ text: line, line: i + 1 });
    else rows.at(-1)!.text += `\n${line}`;
  }
  for (const { text: row, line } of rows) {
    const body = row.replace(/\n+$/, "");
    if (body.trim() === "") continue;
    const head = ROW.exec(body);
    const tail = head ? TAIL.exec(body) : null;
    if (!head || !tail) {
      problems.push({ source, line, text: body, reason: "not a unix socket line of ss -xanH" });
      continue;
    }
    byInode.set(Number(tail[1]), { recvQ: Number(head[1]), sendQ: Number(head[2]), peerInode: Number(tail[2]) });
  }
  return { byInode, problems };
}
