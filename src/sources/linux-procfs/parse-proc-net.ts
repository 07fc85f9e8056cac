import { formatIpv4, formatIpv6, isUnspecified } from "../../lib/endpoint.js";
import type { ParseResult, Problem, Proto, SocketRecord, Timer } from "../../model/socket.js";
import { rowRecord, type ProcRow } from "../../model/socket-row.js";
import { LINUX_TCP_STATES, type TcpState } from "../../model/state.js";

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
 *
 * It reads the bytes as the kernel wrote them (a server's table is 100k rows): fields are
 * located by offsets and decoded in place, with no string made per field, and each distinct
 * address is turned into text once.
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
  /** Hand each record over as it is read instead of keeping it in `records` (counting needs no list). */
  onRecord?: (record: SocketRecord) => void;
  /**
   * Hand each row over decoded but not made into a record (before onRecord, which it
   * replaces): the same `ProcRow` object each time, to be used before the next row is read.
   * `--json` without owners writes its bytes straight from it (src/format/json-stream.ts).
   */
  onRow?: (row: ProcRow) => void;
  /** A row this says no to is dropped before its record (or onRow) is made: the cheap filters. */
  keepRow?: (row: ProcRow) => boolean;
  /**
   * Asked first, from the state code, the local port and the family alone: a row it says no
   * to is dropped before its addresses are read or any other field is checked.
   */
  keepEarly?: EarlyKeep;
}

/** The cheapest filters: a row's state (null for UDP), local port and family. */
export type EarlyKeep = (state: TcpState | null, localPort: number, family: "ipv4" | "ipv6") => boolean;

// tr column, include/net/inet_connection_sock.h: 1 retransmit (also loss probe and
// reordering timers), 2 keepalive (sk_timer), 3 TIME_WAIT, 4 zero-window probe.
const TIMER_KINDS: ReadonlyArray<Timer["kind"] | undefined> = [undefined, "retransmit", "keepalive", "timewait", "probe"];

// tm->when beyond this would overflow milliseconds as a safe integer: the line is corrupt.
const MAX_TICKS = 2 ** 45;

const SPACE = 0x20;
const TAB = 0x09;
const COLON = 0x3a;
const LF = 0x0a;
const CR = 0x0d;
const FIELDS = 10;
/** The fields holding a colon: local and peer address, tx_queue:rx_queue, tr:tm->when. */
const COLON_FIELDS = [1, 2, 4, 5];

/** Each byte's value as a hex digit; -1 for any other byte. */
const HEX_DIGIT = new Int8Array(256).fill(-1);
for (let d = 0; d < 16; d++) {
  HEX_DIGIT["0123456789ABCDEF".charCodeAt(d)] = d;
  HEX_DIGIT["0123456789abcdef".charCodeAt(d)] = d;
}

/** Value of the hex digits in b[from, to), or -1 if any byte is not a hex digit. */
function hexValue(b: Uint8Array, from: number, to: number): number {
  if (to <= from) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = HEX_DIGIT[b[i]!]!;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v <= Number.MAX_SAFE_INTEGER ? v : -1; // a huge number is unreadable, not a rounded guess
}

/** Value of the decimal digits in b[from, to), or -1. */
function decValue(b: Uint8Array, from: number, to: number): number {
  if (to <= from) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = (b[i] as number) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v <= Number.MAX_SAFE_INTEGER ? v : -1;
}

/** Index of the first `byte` in b[from, to), or -1. */
function indexIn(b: Uint8Array, byte: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (b[i] === byte) return i;
  return -1;
}

/**
 * Address text of the hex in "HEX:PORT" fields, made once per distinct address: a server's
 * table repeats a few local addresses (and often the peers) thousands of times.
 * The hex is read as 32-bit words, which key the cache (a hash of the four for IPv6).
 */
class AddressDecoder {
  private readonly v4 = new Map<number, string>();
  private readonly v6 = new Map<number, { words: number[]; text: string }>();
  private readonly words = [0, 0, 0, 0];
  private readonly bytes = new Uint8Array(16);
  constructor(private readonly byteOrder: ByteOrder) {}

  /** Text of the address printed in b[from, from + hexLen), or null if it is not hex. */
  text(b: Uint8Array, from: number, hexLen: 8 | 32): string | null {
    const count = hexLen / 8;
    const w = this.words;
    for (let k = 0; k < count; k++) {
      const word = hexValue(b, from + 8 * k, from + 8 * k + 8);
      if (word < 0) return null;
      w[k] = word;
    }
    if (count === 1) {
      let text = this.v4.get(w[0]!);
      if (text === undefined) {
        text = formatIpv4(this.toBytes(1));
        this.v4.set(w[0]!, text);
      }
      return text;
    }
    const hash = Math.imul(Math.imul(Math.imul(w[0]!, 31) ^ w[1]!, 31) ^ w[2]!, 31) ^ w[3]!;
    const known = this.v6.get(hash);
    if (known && known.words[0] === w[0] && known.words[1] === w[1] && known.words[2] === w[2] && known.words[3] === w[3])
      return known.text;
    const text = formatIpv6(this.toBytes(4));
    if (!known) this.v6.set(hash, { words: [...w], text });
    return text;
  }

  /** The words as address bytes: each was printed as a number, most significant byte first. */
  private toBytes(count: number): Uint8Array {
    const b = this.bytes;
    for (let k = 0; k < count; k++) {
      const word = this.words[k]!;
      for (let i = 0; i < 4; i++) {
        const byte = (word >>> (8 * (3 - i))) & 0xff; // the i-th printed byte
        b[k * 4 + (this.byteOrder === "LE" ? 3 - i : i)] = byte;
      }
    }
    return b;
  }
}

const latin1 = (b: Uint8Array, from: number, to: number): string =>
  Buffer.from(b.buffer, b.byteOffset + from, to - from).toString("latin1");

/**
 * Bytes of text, one per UTF-16 unit so offsets match the string's. A unit above 0xFF
 * can be part of no field: it becomes 0xFF, which no decoder accepts.
 */
function textBytes(text: string): Uint8Array {
  const bytes = Buffer.from(text, "latin1");
  if (/[^\u0000-\u00ff]/.test(text)) for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) bytes[i] = 0xff;
  return bytes;
}

/**
 * Reads one row at a time. Small methods rather than one long loop: V8 compiles each of them
 * quickly, which matters because a CLI run is always a cold start.
 */
class RowReader {
  /** The bytes being read (the table, or the chunk of it at hand). */
  b: Uint8Array = new Uint8Array(0);
  /** The text of b[from, to) as given, for messages. */
  quote: (from: number, to: number) => string = () => "";
  /** Offsets of the first ten whitespace-separated fields of the current row. */
  readonly starts = new Int32Array(FIELDS);
  readonly ends = new Int32Array(FIELDS);
  /** The first colon in the local and peer address, tx:rx and tr:when fields (-1: none). */
  readonly colons = new Int32Array(4);
  private readonly addresses: AddressDecoder;
  private readonly msPerTick: number;

  /** decode() left the row out: keepEarly said no to it. */
  skipped = false;

  constructor(
    private readonly proto: Proto,
    byteOrder: ByteOrder,
    userHz: number,
    private readonly keepEarly?: EarlyKeep,
  ) {
    this.addresses = new AddressDecoder(byteOrder);
    this.msPerTick = 1000 / userHz;
  }

  /** Locates up to ten fields in [from, to); returns how many there are. */
  split(from: number, to: number): number {
    const n = this.scan(from, to, 0, FIELDS);
    const { b, starts, ends } = this;
    if (n === FIELDS) for (let k = 0; k < 4; k++) this.colons[k] = indexIn(b, COLON, starts[COLON_FIELDS[k]!]!, ends[COLON_FIELDS[k]!]!);
    return n;
  }

  /** Locates fields n .. last - 1 from b[i], whitespace-separated, before `to`; returns the number reached. */
  private scan(i: number, to: number, n: number, last: number): number {
    const { b, starts, ends } = this;
    while (n < last) {
      while (i < to && (b[i] === SPACE || b[i] === TAB)) i++;
      if (i >= to) break;
      starts[n] = i;
      while (i < to && b[i] !== SPACE && b[i] !== TAB) i++;
      ends[n] = i;
      n++;
    }
    return n;
  }

  /**
   * split() for a row in the kernel's own layout, which prints every field from the
   * addresses to retrnsmt with a fixed width and one space between (get_tcp4_sock: "%4d:
   * %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu ..."; tcp6 and udp
   * alike, with 32 hex digits an address): those seven fields are placed from the offset
   * of the local address instead of scanned byte by byte; uid, timeout and inode are
   * scanned. Returns false when the row is not in that layout (split() it then). A row it
   * places is split as split() would when decode() accepts it: decode() reads each placed
   * field as hex around its colon, so none holds a space or another colon.
   */
  place(from: number, to: number): boolean {
    const { b, starts, ends } = this;
    if (this.scan(from, to, 0, 1) === 0) return false;
    const i = ends[0]!;
    if (b[i - 1] !== COLON || b[i] !== SPACE) return false;
    const at = i + 1;
    const hexLen = b[at + 8] === COLON ? 8 : b[at + 32] === COLON ? 32 : 0;
    // Offsets from `at` of each field's end: local, remote (HEX:PORT each), st, tx:rx, tr:when, retrnsmt.
    const local = hexLen + 5;
    const remote = local + 1 + local;
    const st = remote + 3;
    const queues = st + 18;
    const timer = queues + 12;
    const retrans = timer + 9;
    if (hexLen === 0 || at + retrans + 1 >= to) return false;
    if (b[at + local] !== SPACE || b[at + remote] !== SPACE || b[at + st] !== SPACE || b[at + queues] !== SPACE) return false;
    if (b[at + timer] !== SPACE || b[at + retrans] !== SPACE) return false;
    const colons = this.colons;
    colons[0] = at + hexLen;
    colons[1] = at + local + 1 + hexLen;
    colons[2] = at + st + 9;
    colons[3] = at + queues + 3;
    for (let k = 0; k < 4; k++) if (b[colons[k]!] !== COLON) return false;
    starts[1] = at;
    ends[1] = at + local;
    starts[2] = at + local + 1;
    ends[2] = at + remote;
    starts[3] = at + remote + 1;
    ends[3] = at + st;
    starts[4] = at + st + 1;
    ends[4] = at + queues;
    starts[5] = at + queues + 1;
    ends[5] = at + timer;
    starts[6] = at + timer + 1;
    ends[6] = at + retrans;
    return this.scan(at + retrans + 1, to, 7, FIELDS) === FIELDS;
  }

  /** True when the first field starts with "sl": the header line. */
  isHeader(): boolean {
    const at = this.starts[0]!;
    return this.b[at] === 0x73 && this.b[at + 1] === 0x6c;
  }

  /** The row decode() just read, as a record. */
  record(): SocketRecord {
    return rowRecord(this.row);
  }

  /** The decoded row, valid after decode() returned null. */
  readonly row: ProcRow = {
    proto: "tcp", family: "ipv4", localAddress: "", localPort: 0, remoteAddress: null, remotePort: null, state: null,
    recvQ: 0, sendQ: 0, uid: null, user: null, inode: null, timerKind: null, expiresInMs: 0, retransmits: 0,
  };

  /** Decodes the row just split (all ten fields present) into `row`; null, or why it cannot be read. */
  decode(): string | null {
    const { b, starts, ends, proto, colons } = this;
    // local_address and rem_address: HEX:PORT with 8 (IPv4) or 32 (IPv6) hex digits.
    const lColon = colons[0]!;
    const rColon = colons[1]!;
    const hexLen = lColon - starts[1]!;
    const localPort = ends[1]! - lColon === 5 ? hexValue(b, lColon + 1, ends[1]!) : -1;
    const remotePort = ends[2]! - rColon === 5 ? hexValue(b, rColon + 1, ends[2]!) : -1;
    const sameFamily = lColon >= 0 && rColon >= 0 && rColon - starts[2]! === hexLen;
    this.skipped = false;
    if (this.keepEarly !== undefined && sameFamily && (hexLen === 8 || hexLen === 32) && localPort >= 0) {
      const code = hexValue(b, starts[3]!, ends[3]!);
      const early = proto === "tcp" || proto === "raw" ? LINUX_TCP_STATES[code] : null;
      if (code >= 0 && early !== undefined && !this.keepEarly(early, localPort, hexLen === 8 ? "ipv4" : "ipv6")) {
        this.skipped = true;
        return null;
      }
    }
    const localAddress = sameFamily && (hexLen === 8 || hexLen === 32) ? this.addresses.text(b, starts[1]!, hexLen) : null;
    const remoteAddress = localAddress === null ? null : this.addresses.text(b, starts[2]!, hexLen as 8 | 32);
    if (localAddress === null || remoteAddress === null || localPort < 0 || remotePort < 0)
      return "unreadable address (expected HEX:PORT with 8 or 32 hex digits)";

    const st = hexValue(b, starts[3]!, ends[3]!);
    // Raw sockets keep the TCP state numbers too: 01 once connected, else 07 (ss's UNCONN).
    const state: TcpState | null | undefined = proto === "tcp" || proto === "raw" ? LINUX_TCP_STATES[st] : null;
    if (st < 0 || state === undefined) return `unknown state code ${this.quote(starts[3]!, ends[3]!)}`;
    // tx_queue:rx_queue and tr:tm->when.
    const qColon = colons[2]!;
    const tx = qColon > 0 ? hexValue(b, starts[4]!, qColon) : -1;
    const rx = qColon > 0 ? hexValue(b, qColon + 1, ends[4]!) : -1;
    const tColon = colons[3]!;
    const tr = tColon > 0 ? hexValue(b, starts[5]!, tColon) : -1;
    const when = tColon > 0 ? hexValue(b, tColon + 1, ends[5]!) : -1;
    const retrans = hexValue(b, starts[6]!, ends[6]!);
    const uid = decValue(b, starts[7]!, ends[7]!);
    const probes = decValue(b, starts[8]!, ends[8]!);
    const inode = decValue(b, starts[9]!, ends[9]!);
    if (tx < 0 || rx < 0 || tr < 0 || when < 0 || when > MAX_TICKS || retrans < 0 || uid < 0 || probes < 0 || inode < 0)
      return "unreadable queue, timer, uid or inode field";

    // Raw sockets have no ports: the local one holds the IP protocol (ss shows it there), the
    // peer's is always 0 (ss: *), and a peer address is set only by connect().
    const raw = proto === "raw";
    const noPeer = (raw || remotePort === 0) && isUnspecified(remoteAddress);
    const kind = TIMER_KINDS[tr];
    const row = this.row;
    row.proto = proto;
    row.family = hexLen === 8 ? "ipv4" : "ipv6";
    row.localAddress = localAddress;
    row.localPort = localPort;
    row.remoteAddress = noPeer ? null : remoteAddress;
    row.remotePort = noPeer || raw ? null : remotePort;
    row.state = state;
    row.recvQ = rx;
    row.sendQ = tx;
    // A TIME_WAIT row has no socket behind it: the kernel prints uid 0 and inode 0.
    row.uid = state === "TIME_WAIT" ? null : uid;
    row.user = null;
    row.inode = inode === 0 ? null : inode;
    row.timerKind = kind ?? null;
    row.expiresInMs = kind ? Math.round(when * this.msPerTick) : 0;
    row.retransmits = kind === "keepalive" || kind === "probe" ? probes : retrans;
    return null;
  }
}

/**
 * Parses a table fed in pieces of whole lines: the live path reads /proc/net/tcp a chunk at
 * a time into one reused buffer, so a big table (BENCHMARKS.md, issue 15) is never held whole.
 *
 *   const parser = new ProcNetParser({ proto: "tcp" });
 *   parser.push(chunk, length);          // any number of times, each ending on a line end
 *   parser.records, parser.problems
 */
export class ProcNetParser implements ParseResult {
  readonly records: SocketRecord[] = [];
  readonly problems: Problem[] = [];
  private readonly reader: RowReader;
  private readonly source: string;
  private readonly onRecord: ((record: SocketRecord) => void) | undefined;
  private readonly onRow: ((row: ProcRow) => void) | undefined;
  private readonly keepRow: ((row: ProcRow) => boolean) | undefined;
  private lineNo = 0;

  constructor(options: ProcNetOptions) {
    const { proto, byteOrder = "LE", source = `/proc/net/${proto}`, userHz = 100 } = options;
    this.reader = new RowReader(proto, byteOrder, userHz, options.keepEarly);
    this.source = source;
    this.onRecord = options.onRecord;
    this.onRow = options.onRow;
    this.keepRow = options.keepRow;
  }

  /**
   * Parses the lines in b[0, length). Only the last piece of the input may end without a
   * newline. `quote` gives the text of a line for problems (default: the bytes as latin1).
   */
  push(b: Uint8Array, length = b.length, quote = (from: number, to: number) => latin1(b, from, to)): void {
    const reader = this.reader;
    reader.b = b;
    reader.quote = quote;
    let pos = 0;
    while (pos < length) {
      let eol = b.indexOf(LF, pos);
      if (eol < 0 || eol > length) eol = length;
      this.lineNo++;
      const lineStart = pos;
      const lineEnd = eol > lineStart && b[eol - 1] === CR ? eol - 1 : eol;
      pos = eol + 1;

      // The kernel's layout, placed; anything else (or a placed row decode() refuses: its
      // message comes from the fields as split) is split.
      let why = reader.place(lineStart, lineEnd) ? reader.decode() : undefined;
      if (why !== null) {
        const n = reader.split(lineStart, lineEnd);
        if (n === 0 || reader.isHeader()) continue; // blank line, header
        why = n < FIELDS ? `expected at least 10 fields, found ${n}` : reader.decode();
      }
      if (why !== null) this.problems.push({ source: this.source, line: this.lineNo, text: quote(lineStart, lineEnd), reason: why });
      else if (reader.skipped) continue;
      else if (this.keepRow !== undefined && !this.keepRow(reader.row)) continue;
      else if (this.onRow) this.onRow(reader.row);
      else if (this.onRecord) this.onRecord(reader.record());
      else this.records.push(reader.record());
    }
  }
}

/** Parses a whole table given as text (replays, tests) or as bytes. */
export function parseProcNet(input: string | Uint8Array, options: ProcNetOptions): ParseResult {
  const parser = new ProcNetParser(options);
  if (typeof input === "string") {
    // Problems quote the line as given, from the string.
    parser.push(textBytes(input), input.length, (from, to) => input.slice(from, to));
  } else parser.push(input);
  return { records: parser.records, problems: parser.problems };
}
