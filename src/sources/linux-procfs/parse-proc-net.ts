import { formatIpv4, formatIpv6 } from "../../lib/endpoint.js";
import type { ParseResult, Problem, Proto, SocketRecord, Timer } from "../../model/socket.js";
import { LINUX_TCP_STATES } from "../../model/state.js";

/**
 * Parser for the kernel's socket tables /proc/net/{tcp,tcp6,udp,udp6}.
 * The kernel prints each row with (net/ipv4/tcp_ipv4.c, get_tcp4_sock):
 *
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
 *    0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31337 1 ...
 *
 * -> tcp ipv4 127.0.0.1:8080, no peer, LISTEN, inode 31337.
 * Addresses are 32-bit words printed in the host's byte order; ports, state, queues,
 * timer and retransmits are hex; uid, probes ("timeout") and inode are decimal.
 */

export type ByteOrder = "LE" | "BE";

export interface ProcNetOptions {
  proto: Proto;
  /** Byte order of the machine that wrote the table (the live host: os.endianness()). */
  byteOrder?: ByteOrder;
  /** Name used in problem reports, e.g. "/proc/net/tcp6". */
  source?: string;
  /** Clock ticks per second of tm->when: USER_HZ, 100 on every Linux ABI. */
  userHz?: number;
}

// tr column, include/net/inet_connection_sock.h: 1 retransmit (also loss probe and
// reordering timers), 2 keepalive (sk_timer), 3 TIME_WAIT, 4 zero-window probe.
const TIMER_KINDS: Readonly<Record<number, Timer["kind"]>> = {
  1: "retransmit",
  2: "keepalive",
  3: "timewait",
  4: "probe",
};

// tm->when beyond this would overflow milliseconds as a safe integer: the line is corrupt.
const MAX_TICKS = 2 ** 45;

const SPACE = 0x20;
const TAB = 0x09;

/** Value of the hex digits in s[from, to), or -1 if any character is not a hex digit. */
function hexValue(s: string, from: number, to: number): number {
  if (to <= from) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
    else return -1;
    v = v * 16 + d;
  }
  return v <= Number.MAX_SAFE_INTEGER ? v : -1; // a huge number is unreadable, not a rounded guess
}

/** Value of the decimal digits in s[from, to), or -1. */
function decValue(s: string, from: number, to: number): number {
  if (to <= from) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v <= Number.MAX_SAFE_INTEGER ? v : -1;
}

/** Decodes "HEX:PORT" at [from, to) into address bytes, or returns null. */
function decodeEndpoint(
  s: string,
  from: number,
  to: number,
  bytes: Uint8Array,
  byteOrder: ByteOrder,
): { family: "ipv4" | "ipv6"; port: number } | null {
  const colon = s.indexOf(":", from);
  if (colon < 0 || colon >= to) return null;
  const hexLen = colon - from;
  if (hexLen !== 8 && hexLen !== 32) return null;
  if (to - colon - 1 !== 4) return null;
  const port = hexValue(s, colon + 1, to);
  if (port < 0) return null;
  for (let word = 0; word < hexLen / 8; word++) {
    for (let k = 0; k < 4; k++) {
      const at = from + word * 8 + k * 2;
      const v = hexValue(s, at, at + 2);
      if (v < 0) return null;
      // The word was printed as a number: its first printed byte is the most significant.
      bytes[word * 4 + (byteOrder === "LE" ? 3 - k : k)] = v;
    }
  }
  return { family: hexLen === 8 ? "ipv4" : "ipv6", port };
}

function isZero(bytes: Uint8Array, length: number): boolean {
  for (let i = 0; i < length; i++) if (bytes[i] !== 0) return false;
  return true;
}

export function parseProcNet(text: string, options: ProcNetOptions): ParseResult {
  const { proto, byteOrder = "LE", source = `/proc/net/${proto}`, userHz = 100 } = options;
  const msPerTick = 1000 / userHz;
  const records: SocketRecord[] = [];
  const problems: Problem[] = [];
  const local = new Uint8Array(16);
  const remote = new Uint8Array(16);
  const starts: number[] = new Array(10);
  const ends: number[] = new Array(10);

  let lineNo = 0;
  let pos = 0;
  const length = text.length;
  while (pos < length) {
    let eol = text.indexOf("\n", pos);
    if (eol < 0) eol = length;
    lineNo++;
    const lineStart = pos;
    let lineEnd = eol;
    if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 0x0d) lineEnd--;
    pos = eol + 1;

    // Split into the first ten whitespace-separated fields.
    let n = 0;
    let i = lineStart;
    while (n < 10) {
      while (i < lineEnd && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i++;
      if (i >= lineEnd) break;
      starts[n] = i;
      while (i < lineEnd && text.charCodeAt(i) !== SPACE && text.charCodeAt(i) !== TAB) i++;
      ends[n] = i;
      n++;
    }
    if (n === 0) continue; // blank line
    if (text.startsWith("sl", starts[0] as number)) continue; // header

    const fail = (reason: string) => {
      problems.push({ source, line: lineNo, text: text.slice(lineStart, lineEnd), reason });
    };
    if (n < 10) {
      fail(`expected at least 10 fields, found ${n}`);
      continue;
    }
    const f = (k: number) => [starts[k] as number, ends[k] as number] as const;

    const [ls, le] = f(1);
    const [rs, re] = f(2);
    const l = decodeEndpoint(text, ls, le, local, byteOrder);
    const r = decodeEndpoint(text, rs, re, remote, byteOrder);
    if (!l || !r || l.family !== r.family) {
      fail("unreadable address (expected HEX:PORT with 8 or 32 hex digits)");
      continue;
    }
    const [ss, se] = f(3);
    const st = hexValue(text, ss, se);
    const state = proto === "tcp" ? LINUX_TCP_STATES[st] : null;
    if (st < 0 || state === undefined) {
      fail(`unknown state code ${text.slice(ss, se)}`);
      continue;
    }
    const [qs, qe] = f(4);
    const qColon = text.indexOf(":", qs);
    const tx = qColon > 0 && qColon < qe ? hexValue(text, qs, qColon) : -1;
    const rx = qColon > 0 && qColon < qe ? hexValue(text, qColon + 1, qe) : -1;
    const [ts, te] = f(5);
    const tColon = text.indexOf(":", ts);
    const tr = tColon > 0 && tColon < te ? hexValue(text, ts, tColon) : -1;
    const when = tColon > 0 && tColon < te ? hexValue(text, tColon + 1, te) : -1;
    const retrans = hexValue(text, ...f(6));
    const uid = decValue(text, ...f(7));
    const probes = decValue(text, ...f(8));
    const inode = decValue(text, ...f(9));
    if (tx < 0 || rx < 0 || tr < 0 || when < 0 || when > MAX_TICKS || retrans < 0 || uid < 0 || probes < 0 || inode < 0) {
      fail("unreadable queue, timer, uid or inode field");
      continue;
    }

    const family = l.family;
    const addrLen = family === "ipv4" ? 4 : 16;
    const fmt = family === "ipv4" ? formatIpv4 : formatIpv6;
    const noPeer = r.port === 0 && isZero(remote, addrLen);
    const timeWait = state === "TIME_WAIT";
    const kind = TIMER_KINDS[tr];
    records.push({
      proto,
      family,
      localAddress: fmt(local),
      localPort: l.port,
      remoteAddress: noPeer ? null : fmt(remote),
      remotePort: noPeer ? null : r.port,
      state,
      recvQ: rx,
      sendQ: tx,
      pid: null,
      process: null,
      // A TIME_WAIT row has no socket behind it: the kernel prints uid 0 and inode 0.
      uid: timeWait ? null : uid,
      user: null,
      inode: inode === 0 ? null : inode,
      timer: kind
        ? {
            kind,
            expiresInMs: Math.round(when * msPerTick),
            retransmits: kind === "keepalive" || kind === "probe" ? probes : retrans,
          }
        : null,
    });
  }
  return { records, problems };
}
