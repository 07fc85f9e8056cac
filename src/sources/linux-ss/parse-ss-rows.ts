import { isUnspecified } from "../../lib/endpoint.js";
import type { Problem, TcpInfo } from "../../model/socket.js";
import type { ProcRow } from "../../model/socket-row.js";
import { SS_STATE_WORDS, type TcpState } from "../../model/state.js";
import type { EarlyKeep } from "../linux-procfs/parse-proc-net.js";
import { emptyInfo } from "./parse-ss-info.js";
import { Addresses, decimal, figure, same, startsWith } from "./read-ss-bytes.js";

/**
 * `ss -tainHO` or `ss -tainHOe` (TCP, one socket a line) read as bytes, as ss writes them, into the rows a
 * /proc/net table gives (ProcRow) and the tcp_info figures of -i's table: the listing
 * `-i --no-owners` takes from ss's one output, with no /proc/net/tcp read beside it.
 *
 *   ESTAB 0 0 127.0.0.1:20001 127.0.0.1:24830 ino:758410 sk:356de cgroup:/ <-> ts sack bbr
 *     wscale:10,10 rto:204 rtt:0.005/0.002 mss:32768 cwnd:10 segs_in:2 lastsnd:248880 lastrcv:248880 ...
 *   -> tcp ipv4 127.0.0.1:20001 127.0.0.1:24830 ESTABLISHED, queues 0 0, uid 0, inode 758410;
 *      rtt 0.005, cwnd 10, retransmits 0/0, sent 0, received 0, last sent and received 248880 ms ago
 *
 * Without -e the tcp_info words follow the peer's column (`... 127.0.0.1:24830 ts sack bbr ...`),
 * and uid and inode are unknown (null).
 *
 * ss pads every line with spaces to its widest (some 500 bytes at 100k sockets, most of them
 * spaces): each line's end is found natively (indexOf), its tcp_info words end at the first
 * two spaces, and no string is made but for an address not met before.
 *
 * The row's fields are what /proc/net/tcp gives the plain listing (test/live/info-table.test.ts
 * holds the two listings equal), where ss's words differ:
 * - a listener's Send-Q: ss prints its backlog (inet_diag's idiag_wqueue), /proc/net/tcp its
 *   write queue, 0 (net/ipv4/tcp_ipv4.c, get_tcp4_sock): 0 here too;
 * - uid: ss -e prints uid: only when it is not 0 (iproute2 misc/ss.c, sock_details_print);
 *   TIME-WAIT has none (null, as from /proc); for SYN-RECV the kernel gives ss 0
 *   (net/ipv4/inet_diag.c, inet_req_diag_fill) where /proc prints the listener's: null, unknown;
 * - addresses: brackets and ss's %interface dropped, `*` (a dual-stack IPv6 socket) is `::`;
 * - no timer: ss rounds its timers (past 10 s to the second, past 10 min to the minute);
 *   a listing with timers (-o) reads them from /proc/net/tcp.
 * The separator before tcp_info says which ways are shut: `<->`, `-->` (CLOSE-WAIT), `<--`, `---`.
 */

export interface SsRowOptions {
  source?: string;
  /**
   * Whether ss was run with -e (uid:, ino:, the separator before tcp_info): the default. Without
   * it (`ss -tainHO`, what -i's table reads) tcp_info follows the peer's column, and the row's
   * uid and inode are null, unknown: ss prints 3 % less and sooner (BENCHMARKS.md, issue 18, fifth pass).
   */
  extended?: boolean;
  /** Each row kept, with its tcp_info figures (null: ss gave none, as for TIME-WAIT); both reused. */
  onRow: (row: ProcRow, info: TcpInfo | null) => void;
  /** Asked first, from the state, the local port and the family: a row it says no to is dropped there. */
  keepEarly?: EarlyKeep;
  /** The whole filter, on the row made. */
  keepRow?: (row: ProcRow) => boolean;
}

const LF = 0x0a;
const SPACE = 0x20;
const COLON = 0x3a;
const SLASH = 0x2f;
const DASH = 0x2d;
const STAR = 0x2a;
const PERCENT = 0x25;
const OPEN = 0x5b;
const CLOSE = 0x5d;

const bytes = (s: string) => Buffer.from(s, "latin1");

/**
 * ss's state names (misc/ss.c, sstate_name) -> canonical states: the one table of ss's words
 * (model/state.ts; UNCONN is a closed socket), and two more that some ss versions print.
 */
const STATES: ReadonlyArray<readonly [Uint8Array, TcpState]> = (
  [...Object.entries(SS_STATE_WORDS), ["CLOSE", "CLOSED"], ["SYN_RECV", "NEW-SYN-RECV"]] as Array<[TcpState, string]>
).map(([state, word]) => [bytes(word), state] as const);

/** The tcp_info words -i's table reads (after the colon: one number, or two with a slash). */
const RTT = bytes("rtt");
const CWND = bytes("cwnd");
const RETRANS = bytes("retrans");
const SENT = bytes("bytes_sent");
const RECEIVED = bytes("bytes_received");
const LASTSND = bytes("lastsnd");
const LASTRCV = bytes("lastrcv");
const INO = bytes("ino:");
/** 1 for the first byte of a word read (rtt, cwnd, retrans, bytes_*, last*). */
const WANTED_FIRST = new Uint8Array(256);
for (const word of [RTT, CWND, RETRANS, SENT, RECEIVED, LASTSND, LASTRCV]) WANTED_FIRST[word[0]!] = 1;
const UID = bytes("uid:");

/**
 * Reads ss's output in the pieces it comes in (push), a line at a time; end() after the last.
 * Small methods, for V8 to compile early in a cold run.
 */
export class SsRowReader {
  readonly problems: Problem[] = [];
  private readonly source: string;
  private readonly addresses = new Addresses();
  private carry: Uint8Array | null = null;
  private lineNo = 0;
  /** End of the token token() found. */
  private tokenEnd = 0;
  readonly row: ProcRow = {
    proto: "tcp", family: "ipv4", localAddress: "", localPort: 0, remoteAddress: null, remotePort: null, state: null,
    recvQ: 0, sendQ: 0, uid: null, user: null, inode: null, timerKind: null, expiresInMs: 0, retransmits: 0,
  };
  /** The figures -i's table shows (RTT, Cwnd, Retrans, Sent, Recv, Idle); the rest stay null. */
  private readonly info: TcpInfo = emptyInfo("ss");

  constructor(private readonly options: SsRowOptions) {
    this.source = options.source ?? "ss -tainHOe";
  }

  /** The next piece of ss's output. */
  push(chunk: Uint8Array): void {
    let pos = 0;
    if (this.carry !== null) {
      const lf = chunk.indexOf(LF);
      if (lf < 0) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      const line = Buffer.concat([this.carry, chunk.subarray(0, lf)]);
      this.carry = null;
      this.line(line, 0, line.length);
      pos = lf + 1;
    }
    while (pos < chunk.length) {
      const lf = chunk.indexOf(LF, pos);
      if (lf < 0) {
        this.carry = Uint8Array.prototype.slice.call(chunk, pos);
        return;
      }
      this.line(chunk, pos, lf);
      pos = lf + 1;
    }
  }

  /** After the last piece: a last line without its newline. */
  end(): void {
    const rest = this.carry;
    this.carry = null;
    if (rest !== null) this.line(rest, 0, rest.length);
  }

  /** The next space-separated token from `from`, before `to`: its start (tokenEnd its end), or -1. */
  private token(b: Uint8Array, from: number, to: number): number {
    let i = from;
    while (i < to && b[i] === SPACE) i++;
    if (i >= to) return -1;
    let j = i;
    while (j < to && b[j] !== SPACE) j++;
    this.tokenEnd = j;
    return i;
  }

  private problem(b: Uint8Array, from: number, to: number, reason: string): void {
    let end = to;
    while (end > from && b[end - 1] === SPACE) end--;
    const text = Buffer.from(b.buffer, b.byteOffset + from, Math.min(end - from, 200)).toString("utf8");
    this.problems.push({ source: this.source, line: this.lineNo, text, reason });
  }

  private line(b: Uint8Array, from: number, to: number): void {
    this.lineNo++;
    const s = this.token(b, from, to);
    if (s < 0) return; // a blank line
    const state = stateOf(b, s, this.tokenEnd);
    if (state === undefined) return this.problem(b, from, to, "expected an ss state (ESTAB, LISTEN, ...) first");
    const q1 = this.token(b, this.tokenEnd, to);
    const recvQ = q1 < 0 ? -1 : decimal(b, q1, this.tokenEnd);
    const q2 = this.token(b, this.tokenEnd, to);
    const sendQ = q2 < 0 ? -1 : decimal(b, q2, this.tokenEnd);
    const l = this.token(b, this.tokenEnd, to);
    const lEnd = this.tokenEnd;
    const r = l < 0 ? -1 : this.token(b, lEnd, to);
    const rEnd = this.tokenEnd;
    if (recvQ < 0 || sendQ < 0 || r < 0) return this.problem(b, from, to, "expected State Recv-Q Send-Q Local:Port Peer:Port");
    const localColon = b.lastIndexOf(COLON, lEnd - 1);
    const remoteColon = b.lastIndexOf(COLON, rEnd - 1);
    const localPort = localColon < l ? -1 : port(b, localColon + 1, lEnd);
    const remotePort = remoteColon < r ? -1 : port(b, remoteColon + 1, rEnd);
    const ipv6 = b[l] === OPEN || b[l] === STAR;
    if (localPort < 0 || remotePort < 0) return this.problem(b, from, to, "unreadable port");
    const family = ipv6 ? "ipv6" : "ipv4";
    if (this.options.keepEarly !== undefined && !this.options.keepEarly(state, localPort, family)) return;
    const localAddress = this.address(b, l, localColon, ipv6);
    const remoteAddress = this.address(b, r, remoteColon, ipv6);
    if (localAddress === null || remoteAddress === null) return this.problem(b, from, to, "unreadable address");
    const row = this.row;
    row.family = family;
    row.state = state;
    row.localAddress = localAddress;
    row.localPort = localPort;
    const noPeer = remotePort === 0 && isUnspecified(remoteAddress);
    row.remoteAddress = noPeer ? null : remoteAddress;
    row.remotePort = noPeer ? null : remotePort;
    row.recvQ = recvQ;
    row.sendQ = state === "LISTEN" ? 0 : sendQ;
    const info = this.details(b, rEnd, to);
    if (state === "TIME_WAIT" || state === "SYN_RECV") row.uid = null;
    if (this.options.keepRow !== undefined && !this.options.keepRow(row)) return;
    this.options.onRow(row, info);
  }

  /** -e's words (uid:, ino:) into the row, then the tcp_info after the separator, if any. */
  private details(b: Uint8Array, from: number, to: number): TcpInfo | null {
    const row = this.row;
    row.inode = null;
    if (this.options.extended === false) {
      // tcp_info's first word after the peer column's padding; none on a TIME-WAIT's line.
      row.uid = null;
      let p = from;
      while (p < to && b[p] === SPACE) p++;
      return p < to && p > from ? this.tcpInfo(b, p - 1, to) : null;
    }
    row.uid = 0;
    for (let t = this.token(b, from, to); t >= 0; t = this.token(b, this.tokenEnd, to)) {
      const end = this.tokenEnd;
      if (end - t === 3 && b[t + 1] === DASH && (b[t] === 0x3c || b[t] === DASH) && (b[t + 2] === 0x3e || b[t + 2] === DASH)) return this.tcpInfo(b, end, to);
      if (startsWith(b, t, end, INO)) {
        const inode = decimal(b, t + 4, end);
        row.inode = inode > 0 ? inode : null;
      } else if (startsWith(b, t, end, UID)) row.uid = Math.max(0, decimal(b, t + 4, end));
    }
    return null;
  }

  /** The address before the port's colon: brackets and %interface off. */
  private address(b: Uint8Array, from: number, colon: number, ipv6: boolean): string | null {
    let end = colon;
    for (let i = from; i < colon; i++)
      if (b[i] === PERCENT) {
        end = i;
        break;
      }
    if (b[from] === OPEN) {
      if (b[end - 1] !== CLOSE) return null;
      return this.addresses.text(b, from + 1, end - 1, ipv6);
    }
    return this.addresses.text(b, from, end, ipv6);
  }

  /** tcp_info's words from `from`: single-spaced, ending at the first two spaces (ss's padding) or the line's end. */
  private tcpInfo(b: Uint8Array, from: number, to: number): TcpInfo {
    const info = this.info;
    info.rttMs = null;
    info.cwnd = null;
    info.retransmits = 0;
    info.totalRetrans = 0;
    info.bytesSent = 0;
    info.bytesReceived = 0;
    info.lastSendMs = null;
    info.lastRecvMs = null;
    let p = from;
    while (p + 1 < to && b[p] === SPACE && b[p + 1] !== SPACE) {
      const w = p + 1;
      let q = w;
      if (WANTED_FIRST[b[w]!] === 0) {
        // A word no column reads (most of them): skipped to its end.
        while (q < to && b[q] !== SPACE) q++;
      } else {
        let colon = -1;
        while (q < to && b[q] !== SPACE) {
          if (colon < 0 && b[q] === COLON) colon = q;
          q++;
        }
        if (colon > 0) this.word(b, w, colon, q);
      }
      p = q;
    }
    return info;
  }

  private word(b: Uint8Array, key: number, colon: number, end: number): void {
    const info = this.info;
    const at = colon + 1;
    switch (colon - key) {
      case 3:
        if (same(b, key, colon, RTT)) {
          const slash = b.indexOf(SLASH, at);
          info.rttMs = x(figure(b, at, slash < 0 || slash > end ? end : slash));
        }
        break;
      case 4:
        if (same(b, key, colon, CWND)) info.cwnd = n(figure(b, at, end));
        break;
      case 7:
        if (same(b, key, colon, RETRANS)) {
          const slash = b.indexOf(SLASH, at);
          const mid = slash < 0 || slash > end ? end : slash;
          info.retransmits = n(figure(b, at, mid));
          info.totalRetrans = mid === end ? null : n(figure(b, mid + 1, end));
        } else if (same(b, key, colon, LASTSND)) info.lastSendMs = x(figure(b, at, end));
        else if (same(b, key, colon, LASTRCV)) info.lastRecvMs = x(figure(b, at, end));
        break;
      case 10:
        if (same(b, key, colon, SENT)) info.bytesSent = n(figure(b, at, end));
        break;
      case 14:
        if (same(b, key, colon, RECEIVED)) info.bytesReceived = n(figure(b, at, end));
        break;
      default:
        break;
    }
  }
}

/** A count as the store keeps it: rounded; NaN (unreadable) is unknown. */
const n = (v: number) => (Number.isNaN(v) ? null : Math.round(v));
/** A measure (ms): as read; NaN is unknown. */
const x = (v: number) => (Number.isNaN(v) ? null : v);

function stateOf(b: Uint8Array, from: number, to: number): TcpState | undefined {
  for (const [word, state] of STATES) if (same(b, from, to, word)) return state;
  return undefined;
}

/** ss's port: digits, or `*` for none (0); -1 if unreadable. */
function port(b: Uint8Array, from: number, to: number): number {
  if (to - from === 1 && b[from] === STAR) return 0;
  const p = decimal(b, from, to);
  return p > 65535 ? -1 : p;
}

