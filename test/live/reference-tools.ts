/**
 * Readers for the reference tools' output, written independently of tcpstat's own code
 * so the live tests compare two views of the kernel, not tcpstat with itself.
 *
 *   ss -tuanpoH:
 *   tcp TIME-WAIT 0 0 127.0.0.1:11004 127.0.0.1:33500 timer:(timewait,55sec,0)
 *   udp UNCONN  832 0         *:13050       *:*     users:(("python3",pid=9249,fd=74))
 *
 *   netstat -tuanpoW:
 *   tcp6  0  0 :::13000   :::*   LISTEN   9249/python3  off (0.00/0/0)
 */

import type { Netns } from "../helpers/netns.js";

export interface RefSocket {
  proto: "tcp" | "udp";
  family: "ipv4" | "ipv6";
  localAddress: string;
  localPort: number;
  remoteAddress: string | null;
  remotePort: number | null;
  /** Canonical state name; null for UDP. */
  state: string | null;
  recvQ: number;
  sendQ: number;
  pid: number | null;
  process: string | null;
  timer: RefTimer | null;
}

/** ss prints a rounded-down timer; the true value lies in [lowMs, highMs). */
export interface RefTimer {
  kind: string;
  lowMs: number;
  highMs: number;
  retransmits: number;
}

/** ss's state words (ss(8)) onto the names netstat prints. Written out by hand. */
export const SS_STATES: Readonly<Record<string, string>> = {
  ESTAB: "ESTABLISHED",
  "SYN-SENT": "SYN_SENT",
  "SYN-RECV": "SYN_RECV",
  "FIN-WAIT-1": "FIN_WAIT1",
  "FIN-WAIT-2": "FIN_WAIT2",
  "TIME-WAIT": "TIME_WAIT",
  UNCONN: "CLOSE",
  "CLOSE-WAIT": "CLOSE_WAIT",
  "LAST-ACK": "LAST_ACK",
  LISTEN: "LISTEN",
  CLOSING: "CLOSING",
  CLOSED: "CLOSE",
};

const SS_TIMERS: Record<string, string> = { on: "retransmit", keepalive: "keepalive", timewait: "timewait", persist: "probe" };

/** "[::ffff:127.0.0.1]:13000", "*:13050", "0.0.0.0:*", "127.0.0.53%lo:53" -> address and port (null for "*"). */
function splitEndpoint(text: string): { address: string; port: number | null } {
  const colon = text.lastIndexOf(":");
  let address = text.slice(0, colon).replace(/^\[|\]$/g, "");
  const port = text.slice(colon + 1);
  address = address.replace(/%[^%]*$/, "");
  return { address, port: port === "*" ? null : Number(port) };
}

const isWildcard = (a: string) => a === "0.0.0.0" || a === "::" || a === "*";

/**
 * ss's rounded timer text: "55sec", "1.988ms" (1 s 988 ms), "424ms", "119min", "2min3sec".
 * ss drops the milliseconds above 9 s and the seconds above 9 min (iproute2 misc/ss.c).
 */
export function parseSsDuration(text: string): { lowMs: number; highMs: number } {
  const m = /^(?:(\d+)min)?(?:(\d+)(?:sec|\.))?(?:(\d+)ms)?$/.exec(text);
  if (!m) throw new Error(`unreadable ss timer '${text}'`);
  const [min, sec, ms] = [Number(m[1] ?? 0), Number(m[2] ?? 0), Number(m[3] ?? 0)];
  const low = min * 60_000 + sec * 1000 + ms;
  const step = m[3] !== undefined ? 1 : m[2] !== undefined ? 1000 : m[1] !== undefined ? 60_000 : 1;
  return { lowMs: low, highMs: low + step };
}

/**
 * ss drops the Netid column when one protocol is asked for, and the State column when
 * one state is: `defaults` supplies them then.
 */
export function parseSs(text: string, defaults: { proto?: "tcp" | "udp"; state?: string } = {}): RefSocket[] {
  const out: RefSocket[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const f = line.trim().split(/\s+/);
    const netid = f[0] === "tcp" || f[0] === "udp" ? (f.shift() as "tcp" | "udp") : defaults.proto;
    const state = /^\d+$/.test(f[0] ?? "") ? defaults.state : f.shift();
    if (netid === undefined || state === undefined) throw new Error(`ss line without netid or state: ${line}`);
    const [recvQ, sendQ, local, peer] = f as [string, string, string, string];
    const l = splitEndpoint(local);
    const r = splitEndpoint(peer);
    // ss prints a dual-stack IPv6 wildcard ("::" with v6only off) as "*".
    const localAddress = l.address === "*" ? "::" : l.address;
    const family = localAddress.includes(":") ? "ipv6" : "ipv4";
    const noPeer = r.port === null && isWildcard(r.address);
    const canonical = SS_STATES[state];
    if (!canonical) throw new Error(`unknown ss state ${state}`);
    const users = [...line.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=\d+\)/g)].map((u) => ({ name: u[1] as string, pid: Number(u[2]) }));
    users.sort((a, b) => a.pid - b.pid);
    const t = /timer:\((\w+),([^,]+),(\d+)\)/.exec(line);
    out.push({
      proto: netid,
      family,
      localAddress,
      localPort: l.port as number,
      remoteAddress: noPeer ? null : r.address,
      remotePort: noPeer ? null : r.port,
      state: netid === "udp" ? null : canonical,
      recvQ: Number(recvQ),
      sendQ: Number(sendQ),
      pid: users[0]?.pid ?? null,
      process: users[0]?.name ?? null,
      timer: t ? { kind: SS_TIMERS[t[1] as string] ?? (t[1] as string), ...parseSsDuration(t[2] as string), retransmits: Number(t[3]) } : null,
    });
  }
  return out;
}

/** A netstat row: the same endpoints, state and queues as an ss row; the owner as netstat prints it ("pid/name" or "-"). */
export interface NetstatRow extends Omit<RefSocket, "pid" | "process" | "timer"> {
  owner: string;
}

/** Index of netstat -o's timer word ("off", "on", "keepalive", "timewait", "probe"), followed by "(...)". */
function timerAt(fields: string[]): number {
  for (let i = fields.length - 2; i >= 0; i--) if (/^\(/.test(fields[i + 1] as string) && /^[a-z-]+\d*$/.test(fields[i] as string)) return i;
  return fields.length;
}

/** `netstat -tuanpoW` rows (net-tools). UDP rows have an empty state column unless connected. */
export function parseNetstat(text: string): NetstatRow[] {
  const out: NetstatRow[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    const proto = f[0];
    if (proto !== "tcp" && proto !== "tcp6" && proto !== "udp" && proto !== "udp6") continue;
    const l = splitEndpoint(f[3] as string);
    const r = splitEndpoint(f[4] as string);
    const hasState = /^[A-Z][A-Z0-9_]+$/.test(f[5] ?? "");
    const noPeer = r.port === null && isWildcard(r.address);
    // netstat prints an IPv4-mapped address on a tcp6/udp6 row as plain IPv4.
    const v6 = proto.endsWith("6");
    const mapped = (a: string) => (v6 && /^\d+\.\d+\.\d+\.\d+$/.test(a) ? `::ffff:${a}` : a);
    out.push({
      proto: proto.startsWith("tcp") ? "tcp" : "udp",
      family: v6 ? "ipv6" : "ipv4",
      localAddress: mapped(l.address),
      localPort: l.port as number,
      remoteAddress: noPeer ? null : mapped(r.address),
      remotePort: noPeer ? null : r.port,
      state: proto.startsWith("udp") ? null : (hasState ? (f[5] as string) : null),
      recvQ: Number(f[1]),
      sendQ: Number(f[2]),
      // The program name may hold spaces: it runs up to the timer column ("off (0.00/0/0)").
      owner: f.slice(hasState ? 6 : 5, timerAt(f)).join(" "),
    });
  }
  return out;
}

/** Identity of a socket across tools: protocol and both endpoints. */
export const socketKey = (s: {
  proto: string;
  localAddress: string;
  localPort: number;
  remoteAddress: string | null;
  remotePort: number | null;
}) => `${s.proto} ${s.localAddress}:${s.localPort} -> ${s.remoteAddress ?? "*"}:${s.remotePort ?? "*"}`;

/** The lines `ss ARGS` prints in the namespace, trimmed, blank ones dropped; throws if ss fails. */
export function ssLines(ns: Netns, args: readonly string[]): string[] {
  const r = ns.run("ss", args);
  if (r.status !== 0) throw new Error(`ss ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

/** Counts per canonical state from `ss -tanH [filter]` run in the namespace. */
export function ssStateCounts(ns: Netns, filter: string[] = []): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of ssLines(ns, ["-tanH", ...filter])) {
    const word = line.split(/\s+/)[0]!;
    const state = SS_STATES[word];
    if (!state) throw new Error(`unknown ss state '${word}'`);
    counts[state] = (counts[state] ?? 0) + 1;
  }
  return counts;
}
