import type { ChalkInstance } from "chalk";
import type { OutputStream } from "../io.js";
import { compareAddressText, digits, endpointHost } from "../lib/endpoint.js";
import { otherHolders } from "../lib/owners.js";
import { escapeControl } from "../lib/safe-text.js";
import type { Family, Proto, SocketRecord, Timer } from "../model/socket.js";
import { TCP_STATES, type TcpState } from "../model/state.js";
import type { ProcRow } from "../model/socket-row.js";
import { widthOf } from "./columns.js";
import { writeUint } from "./out-bytes.js";
import { TABLE_HEAD, formatTimer } from "./table.js";
import { STATE_MEANING, paint, paintHeader } from "./style.js";

/**
 * The netstat-like table of a live listing without owners, gathered as the tables are read:
 *
 *   const table = new GatheredTable(false);
 *   table.row(row);      // a decoded /proc/net row (reused by the parser: copied here)
 *   table.record(r);     // or a record, from a source that cannot hand rows over
 *   await table.writeTo(out, { chalk });   // out: io.ts's openStream()
 *
 * The same text renderTable makes from the records (test/format/table-gathered.test.ts holds
 * them equal), for a fraction of its cost at 100k sockets (BENCHMARKS.md). A socket is a
 * few numbers in typed arrays, its addresses an index into the distinct endpoints' bytes
 * ("127.0.0.1:", "[::1]:"), and the column widths are kept up to date as sockets come:
 * all of that happens while the kernel is still printing its tables. What is left once
 * they are read runs once, in code V8 has not optimized yet, so it is kept to a few tight
 * loops: one native sort of a number per socket (order()), then each line written as bytes
 * by a small function (putLine) that V8 optimizes early.
 */
export class GatheredTable {
  private n = 0;
  private capacity = 1024;
  /** proto (bit 0: udp), family (bit 1: ipv6), state index + 1 in TCP_STATES (bits 2 and up; 0: none). */
  private kind = new Uint8Array(this.capacity);
  /** Index of the local and peer address in `hosts`. */
  private local = new Int32Array(this.capacity);
  private remote = new Int32Array(this.capacity);
  private localPort = new Int32Array(this.capacity);
  /** -1: no peer port ("*"). */
  private remotePort = new Int32Array(this.capacity);
  /** -1: not known ("-"). */
  private recvQ = new Float64Array(this.capacity);
  private sendQ = new Float64Array(this.capacity);
  /** Owners, from sources that hand records over: by socket index. */
  private readonly owners = new Map<number, { pid: number; process: string | null; more: number }>();
  private readonly timers: Array<Timer | null> = [];
  /** With `tail`: each socket's inode (0: none), for fillTail. */
  private inodes = new Float64Array(0);
  /** With `tail`: each socket's cells as bytes, one after the other in `tailBytes` from `tailAt[i]` (-1: none; an Int32Array: read as integers when copied), their lengths in `tailLengths`. */
  private tailBytes = new Uint8Array(0);
  private tailUsed = 0;
  private tailAt = new Int32Array(0);
  private tailLengths = new Uint8Array(0);
  /** Widest cell of each tail column so far (the headings to begin with). */
  private readonly tailWidths: number[] = [];

  /** The distinct addresses, per family (null: no peer), each an index into `hosts`. */
  private readonly hostIndex = [new Map<string | null, number>(), new Map<string | null, number>()] as const;
  /** "127.0.0.1:" or "[::1]:" as bytes, its length in characters, the address compared when sorting. */
  private readonly hosts: Array<{ bytes: Uint8Array; length: number; address: string }> = [];

  /** Widest cell of each column so far (the headers to begin with). */
  private readonly widths: number[];

  /**
   * With `timers`, each socket's timer is kept for the Timer column (netstat -o). `limits`
   * (smaller in tests of the other ways to sort): the bits of the one-sort key, and the
   * largest integer the two sorts' keys may reach.
   */
  constructor(
    private readonly withTimers: boolean,
    private readonly limits = { keyBits: 64, exact: Number.MAX_SAFE_INTEGER },
    /**
     * Columns after the others (-i's): each socket's cells given as it is added (tailCells,
     * when its figures come with it) or all at once from the inodes (fillTail, when they are
     * known only later), kept as bytes, not strings: 600k strings at 100k sockets.
     */
    private readonly tail?: { heads: readonly string[] },
  ) {
    this.widths = TABLE_HEAD.map((h) => h.length);
    if (withTimers) this.widths.push("Timer".length);
    if (tail) {
      this.inodes = new Float64Array(this.capacity);
      this.tailAt = new Int32Array(this.capacity).fill(-1);
      this.tailLengths = new Uint8Array(this.capacity * tail.heads.length);
      this.tailBytes = new Uint8Array(this.capacity * 8 * tail.heads.length);
      for (const h of tail.heads) this.tailWidths.push(h.length);
    }
  }

  /**
   * The tail's cells of the socket added last (text of figures and "-": one byte a character).
   *
   *   table.row(row); table.tailCells(["0.024", "10", "0/0", "100", "101", "16"]);
   */
  tailCells(cells: readonly string[]): void {
    this.setTail(this.n - 1, cells);
  }

  /** Every socket's tail cells, from its inode (0: none) and protocol, once all are added. */
  fillTail(cells: (inode: number, proto: "tcp" | "udp") => readonly string[]): void {
    for (let i = 0; i < this.n; i++) this.setTail(i, cells(this.inodes[i]!, (this.kind[i]! & 1) === 1 ? "udp" : "tcp"));
  }

  private setTail(i: number, cells: readonly string[]): void {
    const count = this.tailWidths.length;
    let need = this.tailUsed;
    for (let c = 0; c < count; c++) need += Math.min(255, cells[c]!.length);
    if (need > this.tailBytes.length) {
      const more = new Uint8Array(Math.max(need, this.tailBytes.length * 2));
      more.set(this.tailBytes.subarray(0, this.tailUsed));
      this.tailBytes = more;
    }
    const b = this.tailBytes;
    let at = this.tailUsed;
    this.tailAt[i] = at;
    for (let c = 0; c < count; c++) {
      const text = cells[c]!;
      const length = Math.min(255, text.length);
      for (let k = 0; k < length; k++) b[at++] = text.charCodeAt(k);
      this.tailLengths[i * count + c] = length;
      if (length > this.tailWidths[c]!) this.tailWidths[c] = length;
    }
    this.tailUsed = at;
  }

  get size(): number {
    return this.n;
  }

  row(row: ProcRow): void {
    this.add(row.proto, row.family, row.state, row.localAddress, row.localPort, row.remoteAddress, row.remotePort, row.recvQ, row.sendQ);
    if (this.tail) this.inodes[this.n - 1] = row.inode ?? 0;
    if (this.withTimers) this.timer(row.timerKind === null ? null : { kind: row.timerKind, expiresInMs: row.expiresInMs, retransmits: row.retransmits });
  }

  record(r: SocketRecord): void {
    if (r.pid !== null) this.owners.set(this.n, { pid: r.pid, process: r.process, more: otherHolders(r) });
    this.add(r.proto, r.family, r.state, r.localAddress, r.localPort, r.remoteAddress, r.remotePort, r.recvQ, r.sendQ);
    if (this.tail) this.inodes[this.n - 1] = r.inode ?? 0;
    if (this.withTimers) this.timer(r.timer);
  }

  private timer(timer: Timer | null): void {
    this.timers.push(timer);
    this.widths[7] = Math.max(this.widths[7]!, formatTimer(timer).length);
  }

  private add(
    proto: Proto,
    family: Family,
    state: TcpState | null,
    localAddress: string,
    localPort: number,
    remoteAddress: string | null,
    remotePort: number | null,
    recvQ: number | null,
    sendQ: number | null,
  ): void {
    // Raw and unix sockets (-w, -x) go through the ss-shaped table (src/format/table-ss.ts).
    if (proto === "raw" || proto === "unix" || family === "unix") throw new Error(`the gathered table holds TCP and UDP sockets, not ${proto}`);
    if (this.n === this.capacity) this.grow();
    const i = this.n++;
    const ipv6 = family === "ipv6";
    const code = state === null ? 0 : STATE_INDEX[state]! + 1;
    this.kind[i] = (proto === "udp" ? 1 : 0) | (ipv6 ? 2 : 0) | (code << 2);
    const local = this.host(localAddress, ipv6);
    const remote = this.host(remoteAddress, ipv6);
    this.local[i] = local;
    this.remote[i] = remote;
    this.localPort[i] = localPort;
    this.remotePort[i] = remotePort ?? -1;
    this.recvQ[i] = recvQ ?? -1;
    this.sendQ[i] = sendQ ?? -1;
    const w = this.widths;
    if (recvQ !== null && recvQ >= 1e5) w[1] = Math.max(w[1]!, digits(recvQ));
    if (sendQ !== null && sendQ >= 1e5) w[2] = Math.max(w[2]!, digits(sendQ));
    w[3] = Math.max(w[3]!, this.hosts[local]!.length + digits(localPort));
    w[4] = Math.max(w[4]!, this.hosts[remote]!.length + (remotePort === null ? 1 : digits(remotePort)));
    if (code > 0) w[5] = Math.max(w[5]!, TCP_STATES[code - 1]!.length);
  }

  private host(address: string | null, ipv6: boolean): number {
    const known = this.hostIndex[ipv6 ? 1 : 0];
    let index = known.get(address);
    if (index === undefined) {
      const text = `${endpointHost(address, ipv6 ? "ipv6" : "ipv4")}:`;
      index = this.hosts.push({ bytes: Buffer.from(text), length: text.length, address: address ?? "" }) - 1;
      known.set(address, index);
    }
    return index;
  }

  private grow(): void {
    this.capacity *= 2;
    const more = <T extends Uint8Array | Int32Array | Float64Array>(a: T, make: new (n: number) => T): T => {
      const b = new make(this.capacity);
      b.set(a);
      return b;
    };
    this.kind = more(this.kind, Uint8Array);
    this.local = more(this.local, Int32Array);
    this.remote = more(this.remote, Int32Array);
    this.localPort = more(this.localPort, Int32Array);
    this.remotePort = more(this.remotePort, Int32Array);
    this.recvQ = more(this.recvQ, Float64Array);
    this.sendQ = more(this.sendQ, Float64Array);
    if (this.tail) {
      this.inodes = more(this.inodes, Float64Array);
      const at = new Int32Array(this.capacity).fill(-1);
      at.set(this.tailAt);
      this.tailAt = at;
      const lengths = new Uint8Array(this.capacity * this.tailWidths.length);
      lengths.set(this.tailLengths);
      this.tailLengths = lengths;
    }
  }

  /**
   * Socket indexes in renderTable's order (compareSockets): protocol, listeners first, local
   * port, local address, peer port, peer address; ties in the order read. The distinct
   * addresses are ranked once by compareAddressText; each socket then gets one number that
   * sorts like it, ending in its place (so ties keep the order read), and a typed array of
   * them is sorted without a comparator, natively. This runs once, in code V8 has not
   * optimized: a comparator, or a radix sort in JavaScript, was slower (BENCHMARKS.md, issue 15).
   *
   * The number is a 64-bit integer when the fields fit: [group: 2 bits][local port: 16]
   * [local address rank][peer port + 1: 17][peer address rank][place], one sort of a
   * BigUint64Array (written as 32-bit halves: no BigInt is made). With more distinct
   * addresses than that leaves room for, two sorts of doubles do it, the peer's key first.
   */
  private order(): Uint32Array {
    const n = this.n;
    const { kind, local, remote, localPort, remotePort } = this;
    // One ranking for local and peer addresses: equal texts share a rank.
    const sorted = [...this.hosts.keys()].sort((a, b) => compareAddressText(this.hosts[a]!.address, this.hosts[b]!.address));
    const ranks = new Float64Array(this.hosts.length);
    let span = 1;
    for (let k = 1; k < sorted.length; k++) {
      if (compareAddressText(this.hosts[sorted[k - 1]!]!.address, this.hosts[sorted[k]!]!.address) !== 0) span++;
      ranks[sorted[k]!] = span - 1;
    }
    // By kind (see `kind`): protocol, then listeners first, as 0 to 3.
    const listen = STATE_INDEX.LISTEN! + 1;
    const group = new Float64Array(256);
    for (let k = 0; k < 256; k++) group[k] = ((k & 1) << 1) | (k >> 2 === listen ? 0 : 1);
    const [hostBits, placeBits] = [bitsFor(span), bitsFor(n)];
    // The peer's fields and the place take the low word and more: at least 32 bits.
    const lowBits = Math.max(32, 17 + hostBits + placeBits);
    if (18 + hostBits + lowBits <= this.limits.keyBits) {
      const keys = new BigUint64Array(n);
      const halves = new Uint32Array(keys.buffer, 0, 2 * n); // per key: low word, high word (little-endian)
      const [hostScale, placeScale, highScale] = [2 ** hostBits, 2 ** placeBits, 2 ** (lowBits - 32)];
      for (let i = 0; i < n; i++) {
        const high = (group[kind[i]!]! * 65536 + localPort[i]!) * hostScale + ranks[local[i]!]!; // < 2^(18 + hostBits)
        const low = ((remotePort[i]! + 1) * hostScale + ranks[remote[i]!]!) * placeScale + i; // < 2^lowBits
        // high * 2^lowBits + low, as two 32-bit words (a Uint32Array keeps a number modulo 2^32).
        halves[2 * i] = low;
        halves[2 * i + 1] = high * highScale + Math.floor(low / WORD);
      }
      keys.sort();
      const order = new Uint32Array(n);
      for (let j = 0; j < n; j++) order[j] = halves[2 * j]! % placeScale;
      return order;
    }
    const peerKey = new Float64Array(n);
    const localKey = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      peerKey[i] = (remotePort[i]! + 1) * span + ranks[remote[i]!]!;
      localKey[i] = (group[kind[i]!]! * 65536 + localPort[i]!) * span + ranks[local[i]!]!;
    }
    let order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const keys = new Float64Array(n);
    for (const [key, max] of [
      [peerKey, 65537 * span],
      [localKey, 4 * 65536 * span],
    ] as const) {
      // key * n + place must stay an exact integer; past that (millions of distinct
      // addresses), a comparison sort does the same.
      if (max * n > this.limits.exact) {
        const place = new Uint32Array(n);
        for (let j = 0; j < n; j++) place[order[j]!] = j;
        order = order.sort((a, b) => key[a]! - key[b]! || place[a]! - place[b]!);
        continue;
      }
      for (let j = 0; j < n; j++) keys[j] = key[order[j]!]! * n + j;
      keys.sort();
      const next = new Uint32Array(n);
      for (let j = 0; j < n; j++) next[j] = order[keys[j]! % n]!;
      order = next;
    }
    return order;
  }

  /**
   * Writes the table, as renderTable makes it, into `out` as bytes: no string per line or
   * per cell (at 100k sockets those strings cost more in garbage collection than the rest
   * of the table). Awaits a slow reader of the output every few hundred lines.
   */
  async writeTo(out: OutputStream, options: { chalk: ChalkInstance; header?: boolean }): Promise<void> {
    const { chalk } = options;
    const n = this.n;
    const widths = this.widths;
    // Owners' names are the only text from the system (sources that hand records over).
    const width = await widthOf([...this.owners.values()], (o) => o.process);
    const names = new Map<string, { text: Uint8Array; width: number }>();
    const owners = new Map<number, LineOwner>();
    for (const [i, { pid, process, more }] of this.owners) {
      // "nginx +3": three more processes hold the socket (src/lib/owners.ts).
      const raw = more === 0 ? (process ?? "") : `${process ?? ""}\0+${more}`;
      let name = names.get(raw);
      if (name === undefined) {
        const text = more === 0 ? escapeControl(raw) : `${escapeControl(process ?? "")} +${more}`;
        names.set(raw, (name = { text: Buffer.from(text), width: width(text) }));
      }
      owners.set(i, { pid, name: name.text, pad: 0, width: digits(pid) + 1 + name.width });
      widths[6] = Math.max(widths[6]!, digits(pid) + 1 + name.width);
    }
    for (const owner of owners.values()) owner.pad = widths[6]! - owner.width + 1; // to the column's end, and the join

    const tail = this.tail;
    const tailWidths = tail ? this.tailWidths : [];

    // Every cell is followed by its padding and one space (the join); the last by its padding.
    const cell = (c: number, text: string, shown = text) => Buffer.from(`${shown}${" ".repeat(widths[c]! - text.length + 1)} `);
    // Made for the states present only: the column is as wide as the widest of those.
    const states: Buffer[] = [];
    for (let code = 0; code <= TCP_STATES.length; code++) {
      const s = code === 0 ? "" : TCP_STATES[code - 1]!;
      if (s.length <= widths[5]!) states[code] = cell(5, s, code === 0 || chalk.level === 0 ? s : paint(chalk, STATE_MEANING[s as TcpState], s));
    }
    const line: LineParts = {
      kind: this.kind,
      recvQ: this.recvQ,
      sendQ: this.sendQ,
      local: this.local,
      remote: this.remote,
      localPort: this.localPort,
      remotePort: this.remotePort,
      hosts: this.hosts,
      protos: ["tcp", "udp", "tcp6", "udp6"].map((p) => cell(0, p)),
      states,
      // Each column's width plus its join, after the cells that are padded by count.
      ends: [widths[1]! + 2, widths[2]! + 2, widths[3]! + 2, widths[4]! + 2],
      owners,
      // The last column is not padded: no line ends in spaces.
      noOwner: Buffer.from(this.withTimers || tail ? `-${" ".repeat(widths[6]!)}` : "-"),
      padOwner: this.withTimers || tail !== undefined,
      timers: this.withTimers ? this.timers : null,
      timerWidth: this.withTimers ? widths[7]! : 0,
      tail: tail ? { bytes: this.tailBytes, at: this.tailAt, lengths: this.tailLengths, widths: tailWidths } : null,
      spaces: 0,
    };

    const heads = [...TABLE_HEAD, ...(this.withTimers ? ["Timer"] : []), ...(tail?.heads ?? [])];
    const headWidths = [...widths.slice(0, this.withTimers ? 8 : 7), ...tailWidths];
    if (options.header !== false)
      out.write(`${heads.map((h, c) => `${paintHeader(chalk, h)}${c === heads.length - 1 ? "" : " ".repeat(headWidths[c]! - h.length + 1)}`).join(" ")}\n`);
    // The most a line takes but for an owner's name and a timer: asked for at once, with
    // theirs, so that each line goes out whole (a SIGTERM ends the run between flushes).
    let most = 64 + 3 * line.timerWidth;
    for (const w of tailWidths) most += w + 2;
    for (let c = 0; c < 7; c++) most += 3 * widths[c]! + 2;
    line.spaces = most;
    const order = this.order();
    let scratch = Buffer.alloc(0); // where lines too long for the buffer are made
    for (let j = 0; j < n; j++) {
      const i = order[j]!;
      const need = most + (owners.size === 0 ? 0 : (owners.get(i)?.name.length ?? 0));
      if (need <= out.buf.length) {
        out.room(need);
        out.used = putLine(out.buf, out.used, i, line);
      } else {
        // A line longer than the buffer (a hostile process name, and the padding of every
        // other line to its width) is made apart and written as text.
        if (scratch.length < need) scratch = Buffer.allocUnsafe(need);
        out.write(scratch.toString("utf8", 0, putLine(scratch, 0, i, line)));
      }
      if (j % BATCH === BATCH - 1) {
        const behind = out.drained();
        if (behind) await behind;
      }
    }
  }
}

/** An owner's cell: pid, "/", name (`width` columns in all), then `pad` spaces to the next cell. */
interface LineOwner {
  pid: number;
  name: Uint8Array;
  width: number;
  pad: number;
}

/** The columns and the ready-made cells that putLine writes a line from. */
interface LineParts {
  kind: Uint8Array;
  recvQ: Float64Array;
  sendQ: Float64Array;
  local: Int32Array;
  remote: Int32Array;
  localPort: Int32Array;
  remotePort: Int32Array;
  hosts: ReadonlyArray<{ bytes: Uint8Array; length: number }>;
  protos: Uint8Array[];
  states: Uint8Array[];
  ends: readonly [number, number, number, number];
  owners: ReadonlyMap<number, LineOwner>;
  noOwner: Uint8Array;
  /** Whether a column follows the owner's (timers or a tail): it is then padded. */
  padOwner: boolean;
  timers: ReadonlyArray<Timer | null> | null;
  timerWidth: number;
  /** The tail's cells (each after its join space, padded to its column's width but the last), or null without a tail. */
  tail: { bytes: Uint8Array; at: Int32Array; lengths: Uint8Array; widths: readonly number[] } | null;
  /** Bytes to fill with spaces before a line is written: as many as any line but for an owner's name takes. */
  spaces: number;
}

/**
 * Writes socket i's line into b at `at`; returns where it ends. A function of its own, and
 * small, so that V8 optimizes it after a few thousand lines: written inline in writeTo's
 * loop it waited for the whole of writeTo to be compiled, most of the table later.
 */
function putLine(b: Uint8Array, at: number, i: number, line: LineParts): number {
  const owner = line.owners.size === 0 ? undefined : line.owners.get(i);
  // Spaces first, in one native fill: each cell's padding is then a jump to its end.
  fillSpaces(b, at, at + line.spaces + (owner === undefined ? 0 : owner.name.length));
  const k = line.kind[i]!;
  at = put(b, at, line.protos[k & 3]!);
  // Recv-Q, Send-Q: digits (or "-"), then spaces to the column's end and the join.
  let end = at + line.ends[0];
  const rq = line.recvQ[i]!;
  if (rq < 0) b[at] = DASH;
  else writeUint(b, at, rq);
  at = end;
  end += line.ends[1];
  const sq = line.sendQ[i]!;
  if (sq < 0) b[at] = DASH;
  else writeUint(b, at, sq);
  at = end;
  // Local and peer endpoint: the address's bytes, the port (or "*"), the padding
  // (columns are counted in characters, the address's bytes may be more).
  const lh = line.hosts[line.local[i]!]!;
  end = at + line.ends[2] + lh.bytes.length - lh.length;
  writeUint(b, put(b, at, lh.bytes), line.localPort[i]!);
  at = end;
  const rh = line.hosts[line.remote[i]!]!;
  const rp = line.remotePort[i]!;
  end = at + line.ends[3] + rh.bytes.length - rh.length;
  at = put(b, at, rh.bytes);
  if (rp < 0) b[at] = STAR;
  else writeUint(b, at, rp);
  at = put(b, end, line.states[k >> 2]!);
  if (owner === undefined) at = put(b, at, line.noOwner);
  else {
    at = writeUint(b, at, owner.pid);
    b[at++] = SLASH;
    at = put(b, at, owner.name);
    if (line.padOwner) at += owner.pad;
  }
  if (line.timers !== null) {
    const timer = formatTimer(line.timers[i]!);
    b[at++] = SPACE;
    for (let c = 0; c < timer.length; c++) b[at++] = timer.charCodeAt(c);
    if (line.tail !== null) at += line.timerWidth - timer.length + 1;
  }
  if (line.tail !== null) at = putTail(b, at, i, line.tail);
  b[at++] = LF;
  return at;
}

/** Socket i's tail cells, each after a space and padded to its column's width, the last not padded (a socket given none: "-"s). */
function putTail(b: Uint8Array, at: number, i: number, tail: NonNullable<LineParts["tail"]>): number {
  const count = tail.widths.length;
  let from = tail.at[i]!;
  for (let c = 0; c < count; c++) {
    b[at++] = SPACE;
    const length = from < 0 ? 1 : tail.lengths[i * count + c]!;
    if (from < 0) b[at] = DASH;
    else for (let k = 0; k < length; k++) b[at + k] = tail.bytes[from + k]!;
    if (from >= 0) from += length;
    at += c === count - 1 ? length : tail.widths[c]! + 1;
  }
  return at;
}

/** Copies the few bytes of a cell (a loop: cheaper than set() for so few, once optimized). */
function put(b: Uint8Array, at: number, bytes: Uint8Array): number {
  for (let q = 0; q < bytes.length; q++) b[at + q] = bytes[q]!;
  return at + bytes.length;
}

const STATE_INDEX: Readonly<Partial<Record<TcpState, number>>> = Object.fromEntries(TCP_STATES.map((s, i) => [s, i]));
/** Lines between two looks at the reader of the output. */
const BATCH = 512;
const WORD = 2 ** 32;
const SPACE = 0x20;
const DASH = 0x2d;
const STAR = 0x2a;
const SLASH = 0x2f;
const LF = 0x0a;

/** Bits that hold the numbers 0 .. count - 1. */
function bitsFor(count: number): number {
  return count <= 1 ? 0 : 32 - Math.clz32(count - 1);
}

/** Uint8Array's fill, not Buffer's (which checks its arguments in JavaScript first, 100k times). */
const typedFill = Uint8Array.prototype.fill;
function fillSpaces(b: Uint8Array, from: number, to: number): void {
  typedFill.call(b, SPACE, from, to);
}
