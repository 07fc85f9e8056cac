import type { Problem, TcpInfo } from "../../model/socket.js";

/**
 * `ss -tinHOe` output (one socket a line, -O) read into tcp_info records keyed by inode
 * (sockets ss gives no tcp_info for, TIME_WAIT and SYN_RECV, have no `<->` part; a socket
 * shut one way or both has `-->`, `<--` or `---` there):
 *
 *   ESTAB 0 0 127.0.0.1:43428 127.0.0.1:5000 ino:1224311 sk:82d cgroup:/ <-> ts sack bbr
 *     wscale:10,10 rto:204 rtt:0.024/0.013 mss:32768 cwnd:11 bytes_sent:100 bytes_acked:101
 *     segs_out:3 segs_in:2 send 120149333333bps lastsnd:16 lastrcv:16 lastack:16
 *     pacing_rate 287904345936bps delivery_rate 26214400000bps retrans:0/2 minrtt:0.01
 *
 * ss prints a counter only when it is not 0 (iproute2 misc/ss.c, tcp_stats_print): a counter it
 * leaves out is 0; a gauge it leaves out (rtt, rto, mss, ...) is unknown, null.
 */

export interface SsInfo {
  byInode: Map<number, TcpInfo>;
  problems: Problem[];
}

/** Words ss prints before the congestion algorithm's name that are not it. */
const FLAGS = new Set(["ts", "sack", "ecn", "ecnseen", "fastopen", "app_limited", "bidir"]);


export function emptyInfo(source: TcpInfo["source"]): TcpInfo {
  return {
    source, congestion: null, rttMs: null, rttVarMs: null, minRttMs: null, rtoMs: null, atoMs: null, mss: null, cwnd: null, ssthresh: null,
    retransmits: null, totalRetrans: null, lost: null, unacked: null, sacked: null, bytesSent: null, bytesAcked: null, bytesReceived: null,
    segsOut: null, segsIn: null, lastSendMs: null, lastRecvMs: null, lastAckMs: null, deliveryRateBps: null, pacingRateBps: null,
    sndWscale: null, rcvWscale: null, busyMs: null, rwndLimitedMs: null, sndbufLimitedMs: null,
  };
}

/** tcp_info's numeric fields, in the order a store's rows hold them (NaN: unknown, null). */
const FIELDS = [
  "rttMs", "rttVarMs", "minRttMs", "rtoMs", "atoMs", "mss", "cwnd", "ssthresh", "retransmits", "totalRetrans", "lost", "unacked", "sacked",
  "bytesSent", "bytesAcked", "bytesReceived", "segsOut", "segsIn", "lastSendMs", "lastRecvMs", "lastAckMs", "deliveryRateBps", "pacingRateBps",
  "sndWscale", "rcvWscale", "busyMs", "rwndLimitedMs", "sndbufLimitedMs",
] as const satisfies ReadonlyArray<keyof TcpInfo>;
type Field = (typeof FIELDS)[number];
const AT = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<Field, number>;
const WIDTH = FIELDS.length;
/** Counters ss leaves out when 0 (iproute2 misc/ss.c, tcp_stats_print). */
const COUNTERS: readonly Field[] = ["retransmits", "totalRetrans", "lost", "unacked", "sacked", "bytesSent", "bytesAcked", "bytesReceived", "segsOut", "segsIn"];
/** ss's word (before the colon) -> field, for the words that carry one number. */
const SIMPLE: Readonly<Record<string, Field>> = {
  rto: "rtoMs", ato: "atoMs", minrtt: "minRttMs", mss: "mss", cwnd: "cwnd", ssthresh: "ssthresh", lost: "lost", unacked: "unacked", sacked: "sacked",
  bytes_sent: "bytesSent", bytes_acked: "bytesAcked", bytes_received: "bytesReceived", segs_out: "segsOut", segs_in: "segsIn",
  lastsnd: "lastSendMs", lastrcv: "lastRecvMs", lastack: "lastAckMs",
};

const value = (s: string | undefined): number => {
  if (s === undefined) return NaN;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n : NaN;
};

/**
 * Which of tcp_info's fields a store keeps: "all"; "bytes", bytes_acked and bytes_received
 * alone, read off the line without splitting it (top's rates off screen); or the fields named
 * (the table's few columns with owners: a third of the memory at 100k sockets).
 */
export type InfoFields = "all" | "bytes" | ReadonlyArray<keyof TcpInfo>;

/**
 * tcp_info of many sockets, kept compact: one row of numbers per socket in a Float64Array and
 * the congestion algorithm as an index into a short list, found by inode: a fraction of what as
 * many TcpInfo objects took (BENCHMARKS.md, issues 18 and 15);
 * an object is made only for a socket that is shown (get).
 */
export class SsInfoStore {
  private values: Float64Array;
  private algo: Uint8Array;
  private readonly algos: string[] = [""];
  private readonly slots = new Map<number, number>();
  readonly problems: Problem[] = [];
  private lineNo = 0;

  /** Numbers a socket: one per field kept. */
  private readonly width: number;
  private readonly bytesOnly: boolean;
  /** Each of FIELDS' place in a socket's numbers, -1 where it is not kept. */
  private readonly column = new Int8Array(WIDTH).fill(-1);
  /** Where a line's fields are read before the kept ones are copied (a subset's store). */
  private readonly row: Float64Array | undefined;

  /**
   * `expected`: how many sockets to make room for at once (the store doubles past it).
   * `fields`: what is kept (InfoFields). With "bytes", get() gives nothing and bytes() the
   * counters; with a subset, get() gives null for every field not kept.
   */
  constructor(
    private readonly source = "ss -tinHOe",
    expected = 1024,
    fields: InfoFields = "all",
  ) {
    const slots = Math.max(16, Math.ceil(expected));
    this.bytesOnly = fields === "bytes";
    // A subset's source and congestion are kept whatever it names (they are not numbers).
    const kept: readonly Field[] =
      fields === "all" ? FIELDS : fields === "bytes" ? ["bytesAcked", "bytesReceived"] : FIELDS.filter((f) => fields.includes(f));
    kept.forEach((f, i) => (this.column[AT[f]] = i));
    this.width = kept.length;
    this.row = fields === "all" || this.bytesOnly ? undefined : new Float64Array(WIDTH);
    this.values = new Float64Array(slots * this.width);
    this.algo = new Uint8Array(this.bytesOnly ? 0 : slots);
  }

  get size(): number {
    return this.slots.size;
  }

  inodes(): IterableIterator<number> {
    return this.slots.keys();
  }

  /** One line of `ss -tinHOe` output. */
  line(line: string): void {
    this.lineNo++;
    // `<->`, or with a way shut (ss.c: '-' for each): `-->` (CLOSE-WAIT), `<--` (FIN-WAIT-2), `---`.
    const sep = line.search(SEPARATOR);
    if (sep < 0) {
      if (line.trim() === "") return;
      // State Recv-Q Send-Q Local Peer, then the -e words (ino:, sk:, ...).
      if (!HEAD.test(line)) this.problems.push({ source: this.source, line: this.lineNo, text: line.slice(0, 200), reason: "not an ss -tinHOe line" });
      return; // no tcp_info for this socket (TIME_WAIT, SYN_RECV)
    }
    if (!HEAD.test(line)) {
      this.problems.push({ source: this.source, line: this.lineNo, text: line.slice(0, 200), reason: "not an ss -tinHOe line" });
      return;
    }
    const ino = line.lastIndexOf(" ino:", sep);
    const inode = ino < 0 ? 0 : parseInt(line.slice(ino + 5, sep), 10);
    if (!(inode > 0)) return;
    let slot = this.slots.get(inode);
    if (slot === undefined) {
      slot = this.slots.size;
      this.slots.set(inode, slot);
      this.grow(slot);
    }
    if (this.bytesOnly) {
      // Counters ss leaves out are 0.
      this.values[slot * 2] = counterAfter(line, " bytes_acked:", sep);
      this.values[slot * 2 + 1] = counterAfter(line, " bytes_received:", sep);
      return;
    }
    // ss pads each -O line with spaces to its widest: only the words are split.
    this.fill(slot, line.slice(sep + 5).trimEnd().split(" "));
  }

  private grow(slot: number): void {
    if ((slot + 1) * this.width <= this.values.length) return;
    const values = new Float64Array(this.values.length * 2);
    values.set(this.values);
    this.values = values;
    if (this.bytesOnly) return;
    const algo = new Uint8Array(this.algo.length * 2);
    algo.set(this.algo);
    this.algo = algo;
  }

  private fill(slot: number, words: readonly string[]): void {
    // Every field read into the socket's row, or into `row` and the kept ones copied after.
    const v = this.row ?? this.values;
    const base = this.row ? 0 : slot * WIDTH;
    v.fill(NaN, base, base + WIDTH);
    for (const f of COUNTERS) v[base + AT[f]] = 0;
    this.algo[slot] = 0;
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (w === "") continue;
      const colon = w.indexOf(":");
      if (colon < 0) {
        if (w === "send") i++;
        else if (w === "pacing_rate") v[base + AT.pacingRateBps] = rate(words[++i]);
        else if (w === "delivery_rate") v[base + AT.deliveryRateBps] = rate(words[++i]);
        else if (this.algo[slot] === 0 && !FLAGS.has(w) && /^[a-z][\w-]*$/.test(w)) this.algo[slot] = this.algoIndex(w);
        continue;
      }
      const key = w.slice(0, colon);
      const text = w.slice(colon + 1);
      const simple = SIMPLE[key];
      if (simple !== undefined) {
        v[base + AT[simple]] = value(text);
        continue;
      }
      switch (key) {
        case "rtt": {
          const slash = text.indexOf("/");
          v[base + AT.rttMs] = value(slash < 0 ? text : text.slice(0, slash));
          v[base + AT.rttVarMs] = slash < 0 ? NaN : value(text.slice(slash + 1));
          break;
        }
        case "wscale": {
          const [s, r] = text.split(",");
          v[base + AT.sndWscale] = value(s);
          v[base + AT.rcvWscale] = value(r);
          break;
        }
        case "retrans": {
          const [now, total] = text.split("/");
          v[base + AT.retransmits] = value(now);
          v[base + AT.totalRetrans] = value(total);
          break;
        }
        // "12ms(3.1%)" or "12ms" -> 12.
        case "busy": v[base + AT.busyMs] = value(text.replace(/ms.*$/, "")); break;
        case "rwnd_limited": v[base + AT.rwndLimitedMs] = value(text.replace(/ms.*$/, "")); break;
        case "sndbuf_limited": v[base + AT.sndbufLimitedMs] = value(text.replace(/ms.*$/, "")); break;
        default: break;
      }
    }
    if (this.row) {
      const at = slot * this.width;
      for (let f = 0; f < WIDTH; f++) if (this.column[f]! >= 0) this.values[at + this.column[f]!] = this.row[f]!;
    }
  }

  private algoIndex(name: string): number {
    let i = this.algos.indexOf(name);
    if (i < 0 && this.algos.length < 255) i = this.algos.push(name) - 1;
    return i < 0 ? 0 : i;
  }

  /**
   * The socket's bytes_acked and bytes_received (rounded, as get gives them) into `into`, with
   * no object made; false when ss gave no tcp_info for it or either is unknown.
   */
  bytes(inode: number, into: Float64Array): boolean {
    const slot = this.slots.get(inode);
    if (slot === undefined) return false;
    const base = slot * this.width;
    const ackedAt = this.column[AT.bytesAcked]!;
    const receivedAt = this.column[AT.bytesReceived]!;
    if (ackedAt < 0 || receivedAt < 0) return false;
    const acked = this.values[base + ackedAt]!;
    const received = this.values[base + receivedAt]!;
    if (Number.isNaN(acked) || Number.isNaN(received)) return false;
    into[0] = Math.round(acked);
    into[1] = Math.round(received);
    return true;
  }

  /** The socket's tcp_info, or undefined when ss gave none for it. */
  get(inode: number): TcpInfo | undefined {
    const slot = this.slots.get(inode);
    if (slot === undefined || this.bytesOnly) return undefined;
    const v = this.values;
    const b = slot * this.width;
    const column = this.column;
    // One literal in the schema's order (FIELDS' order, AT's indices): the same shape for every socket.
    const x = (f: number) => (column[f]! < 0 || Number.isNaN(v[b + column[f]!]!) ? null : v[b + column[f]!]!);
    const n = (f: number) => (column[f]! < 0 || Number.isNaN(v[b + column[f]!]!) ? null : Math.round(v[b + column[f]!]!));
    return {
      source: "ss",
      congestion: this.algo[slot] === 0 ? null : this.algos[this.algo[slot]!]!,
      rttMs: x(0), rttVarMs: x(1), minRttMs: x(2), rtoMs: x(3), atoMs: x(4), mss: n(5), cwnd: n(6), ssthresh: n(7),
      retransmits: n(8), totalRetrans: n(9), lost: n(10), unacked: n(11), sacked: n(12), bytesSent: n(13), bytesAcked: n(14),
      bytesReceived: n(15), segsOut: n(16), segsIn: n(17), lastSendMs: x(18), lastRecvMs: x(19), lastAckMs: x(20),
      deliveryRateBps: n(21), pacingRateBps: n(22), sndWscale: n(23), rcvWscale: n(24), busyMs: x(25), rwndLimitedMs: x(26), sndbufLimitedMs: x(27),
    };
  }
}

/**
 * The number after `word` (" bytes_acked:") in line[from..]: 0 when the word is not there (a
 * counter ss leaves out), NaN when no digits follow. Read digit by digit: no string made.
 */
function counterAfter(line: string, word: string, from: number): number {
  const at = line.indexOf(word, from);
  if (at < 0) return 0;
  let v = 0;
  let i = at + word.length;
  for (; i < line.length; i++) {
    const d = line.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
  }
  return i === at + word.length ? NaN : v;
}

/** "26214400000bps" -> 26214400000 (ss -n prints rates as plain bits per second). */
const rate = (s: string | undefined) => value(s?.endsWith("bps") ? s.slice(0, -3) : s);

/** The tcp_info words after `<->` of one line. */
export function parseInfoWords(words: readonly string[]): TcpInfo {
  const store = new SsInfoStore();
  store.line(`ESTAB 0 0 0.0.0.0:0 0.0.0.0:0 ino:1 <-> ${words.join(" ")}`);
  return store.get(1)!;
}

/** A whole `ss -tinHOe` output (a capture, a test); collectTcpInfo reads ss's output as it comes instead. */
export function parseSsInfo(text: string, source = "ss -tinHOe"): SsInfo {
  const store = new SsInfoStore(source);
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    store.line(text.slice(at, end));
    at = end + 1;
  }
  const byInode = new Map<number, TcpInfo>();
  for (const inode of store.inodes()) byInode.set(inode, store.get(inode)!);
  return { byInode, problems: store.problems };
}

const HEAD = /^\s*\S+\s+\d+\s+\d+\s+\S+\s+\S+/;
export const SEPARATOR = / [<-]-[>-] /;
