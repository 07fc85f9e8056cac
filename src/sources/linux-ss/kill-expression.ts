import type { SocketRecord } from "../../model/socket.js";

/**
 * The pure half of closing connections (-K/--kill): the ss filter that selects exactly the
 * given sockets, and the reading of what `ss -K` printed back.
 *
 * A connected socket is named by its whole 4-tuple, which the kernel keeps unique in a
 * namespace; a listener or unconnected UDP socket by its local end and a peer port of 0
 * (what ss's dump gives them), so the connections a listener accepted, which share its local
 * end, are never matched with it:
 *
 *   { 127.0.0.1:5000 -> 127.0.0.1:60114 }  -> ( src 127.0.0.1 and sport = :5000 and dst 127.0.0.1 and dport = :60114 )
 *   { [::1]:22 listening }                 -> ( src [::1] and sport = :22 and dport = :0 )
 */

/** What closing needs to know of a socket: a SocketRecord satisfies it. */
export type CloseTarget = Pick<SocketRecord, "proto" | "family" | "localAddress" | "localPort" | "remoteAddress" | "remotePort" | "inode">;

const host = (address: string, family: SocketRecord["family"]) => (family === "ipv6" ? `[${address.replace(/%.*$/, "")}]` : address);

/** ss's words for one socket. */
export function socketExpression(t: CloseTarget): string[] {
  const words = ["(", "src", host(t.localAddress, t.family), "and", "sport", "=", `:${t.localPort}`];
  if (t.remoteAddress === null || t.remotePort === null || t.remotePort === 0) words.push("and", "dport", "=", ":0");
  else words.push("and", "dst", host(t.remoteAddress, t.family), "and", "dport", "=", `:${t.remotePort}`);
  words.push(")");
  return words;
}

/** One expression for several sockets: each one's words joined with or. */
export function socketsExpression(targets: readonly CloseTarget[]): string[] {
  return targets.flatMap((t, i) => (i === 0 ? socketExpression(t) : ["or", ...socketExpression(t)]));
}

/** A socket ss printed: its ends as text (ss's own spelling) and inode (0 where the kernel gives none). */
export interface SsLine {
  local: string;
  peer: string;
  inode: number;
}

/**
 * The sockets ss -K printed, which are the ones the kernel closed (ss prints a socket only
 * after SOCK_DESTROY succeeded on it). Lines of `ss -K -tanHOe` (or -u):
 *
 *   ESTAB 0 0 127.0.0.1:5000 127.0.0.1:60114 ino:7841020 sk:9efc0 cgroup:/ <->
 *   -> { local: "127.0.0.1:5000", peer: "127.0.0.1:60114", inode: 7841020 }
 */
export function parseKilled(text: string): SsLine[] {
  const out: SsLine[] = [];
  for (const line of text.split("\n")) {
    const cols = line.trim().split(/\s+/);
    // State Recv-Q Send-Q Local Peer [extras]; a Netid column first when ss shows several protocols.
    const at = /^\d+$/.test(cols[1] ?? "") ? 3 : /^\d+$/.test(cols[2] ?? "") ? 4 : -1;
    if (at < 0 || cols.length < at + 2) continue;
    const ino = /(?:^|\s)ino:(\d+)/.exec(line);
    out.push({ local: cols[at]!, peer: cols[at + 1]!, inode: ino ? Number(ino[1]) : 0 });
  }
  return out;
}

/** A socket's ends as ss prints them: 127.0.0.1:5000, [::1]:22, 0.0.0.0:*, [::]:*. */
export function ssEnds(t: CloseTarget): { local: string; peer: string } {
  const end = (a: string, p: number | null) => `${t.family === "ipv6" ? `[${a.replace(/%.*$/, "")}]` : a}:${p === null || p === 0 ? "*" : p}`;
  const anyPeer = t.family === "ipv6" ? "::" : "0.0.0.0";
  return { local: end(t.localAddress, t.localPort), peer: end(t.remoteAddress ?? anyPeer, t.remotePort) };
}

/** Whether a line ss printed is this socket: by inode where both have one, else by its ends. */
export function sameSocket(t: CloseTarget, line: SsLine): boolean {
  const ends = ssEnds(t);
  const endsMatch = stripScope(line.local) === ends.local && (stripScope(line.peer) === ends.peer || (t.remotePort === null && line.peer.endsWith(":*")));
  if (t.inode && line.inode) return t.inode === line.inode && endsMatch;
  return endsMatch;
}

/**
 * ss's spelling brought to ssEnds': a link-local address's interface dropped
 * ([fe80::1]%eth0:22 -> [fe80::1]:22), and the dual-stack wildcard it prints as * ([::]).
 */
const stripScope = (end: string) => end.replace(/%[^\]:]*(?=:[^:]*$)/, "").replace(/^\*:/, "[::]:");
