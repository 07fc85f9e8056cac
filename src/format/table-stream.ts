import type { ChalkInstance } from "chalk";
import type { OutputStream } from "../io.js";
import { compareAddressText, digits, endpointHost } from "../lib/endpoint.js";
import { escapeControl } from "../lib/safe-text.js";
import type { SocketRecord, Timer } from "../model/socket.js";
import { TCP_STATES, type TcpState } from "../model/state.js";
import type { ProcRow } from "../sources/linux-procfs/parse-proc-net.js";
import { widthOf } from "./columns.js";
import { writeUint } from "./out-bytes.js";
import { TABLE_HEAD, formatTimer } from "./table.js";
import { STATE_MEANING, paint, paintHeader } from "./style.js";

/**
 * The netstat-like table of a live listing without owners, gathered as the tables are read:
 *
 *   const table = new SocketTable(false);
 *   table.row(row);      // a decoded /proc/net row (reused by the parser: copied here)
 *   table.record(r);     // or a record, from a source that cannot hand rows over
 *   await table.writeTo(out, { chalk });   // out: io.ts's openStream()
 *
 * The same text renderTable makes from the records (test/format/table-stream.test.ts holds
 * them equal), for a fraction of its cost at 100k sockets (BENCHMARKS.md). A socket is a
 * few numbers in typed arrays, its addresses an index into the distinct endpoints' bytes
 * ("127.0.0.1:", "[::1]:"), and the column widths are kept up to date as sockets come:
 * all of that happens while the kernel is still printing its tables. What is left once
 * they are read runs once, in code V8 has not optimized yet, so it is kept to a few tight
 * loops: a radix sort of the indexes, then each line written byte by byte.
 */
export class SocketTable {
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
  private readonly owners = new Map<number, { pid: number; process: string | null }>();
  private readonly timers: Array<Timer | null> = [];

  /** The distinct addresses, per family (null: no peer), each an index into `hosts`. */
  private readonly hostIndex = [new Map<string | null, number>(), new Map<string | null, number>()] as const;
  /** "127.0.0.1:" or "[::1]:" as bytes, its length in characters, the address compared when sorting. */
  private readonly hosts: Array<{ bytes: Uint8Array; length: number; address: string }> = [];

  /** Widest cell of each column so far (the headers to begin with). */
  private readonly widths: number[];

  /**
   * With `timers`, each socket's timer is kept for the Timer column (netstat -o). `exact`:
   * the largest integer the sort's keys may reach (2^53; smaller in tests of the fallback).
   */
  constructor(
    private readonly withTimers: boolean,
    private readonly exact = Number.MAX_SAFE_INTEGER,
  ) {
    this.widths = TABLE_HEAD.map((h) => h.length);
    if (withTimers) this.widths.push("Timer".length);
  }

  get size(): number {
    return this.n;
  }

  row(row: ProcRow): void {
    this.add(row.proto, row.family, row.state, row.localAddress, row.localPort, row.remoteAddress, row.remotePort, row.recvQ, row.sendQ);
    if (this.withTimers) this.timer(row.timerKind === null ? null : { kind: row.timerKind, expiresInMs: row.expiresInMs, retransmits: row.retransmits });
  }

  record(r: SocketRecord): void {
    if (r.pid !== null) this.owners.set(this.n, { pid: r.pid, process: r.process });
    this.add(r.proto, r.family, r.state, r.localAddress, r.localPort, r.remoteAddress, r.remotePort, r.recvQ, r.sendQ);
    if (this.withTimers) this.timer(r.timer);
  }

  private timer(timer: Timer | null): void {
    this.timers.push(timer);
    this.widths[7] = Math.max(this.widths[7]!, formatTimer(timer).length);
  }

  private add(
    proto: "tcp" | "udp",
    family: "ipv4" | "ipv6",
    state: TcpState | null,
    localAddress: string,
    localPort: number,
    remoteAddress: string | null,
    remotePort: number | null,
    recvQ: number | null,
    sendQ: number | null,
  ): void {
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
  }

  /**
   * Socket indexes in renderTable's order (compareSockets): protocol, listeners first, local
   * port, local address, peer port, peer address; ties in the order read. The distinct
   * addresses are ranked once by compareAddressText; then two sorts, the peer's key first,
   * of numbers that end in the socket's place so far (so each sort keeps ties in that
   * order): typed-array sorts without a comparator, which run natively. This runs once, in
   * code V8 has not optimized: a comparator, or a radix sort in JavaScript, took 30-50 ms
   * at 100k sockets where these take a few.
   */
  private order(): Uint32Array {
    const n = this.n;
    const rank = (of: Int32Array) => {
      const used = new Uint8Array(this.hosts.length);
      for (let i = 0; i < n; i++) used[of[i]!] = 1;
      const hosts = [...this.hosts.keys()].filter((h) => used[h] === 1).sort((a, b) => compareAddressText(this.hosts[a]!.address, this.hosts[b]!.address));
      const ranks = new Float64Array(this.hosts.length);
      let r = 0;
      for (let k = 1; k < hosts.length; k++) {
        if (compareAddressText(this.hosts[hosts[k - 1]!]!.address, this.hosts[hosts[k]!]!.address) !== 0) r++;
        ranks[hosts[k]!] = r;
      }
      return { ranks, span: r + 1 };
    };
    const remote = rank(this.remote);
    const local = rank(this.local);
    const listen = STATE_INDEX.LISTEN! + 1;
    const peerKey = new Float64Array(n);
    const localKey = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const k = this.kind[i]!;
      peerKey[i] = (this.remotePort[i]! + 1) * remote.span + remote.ranks[this.remote[i]!]!;
      localKey[i] = ((((k & 1) << 1) | (k >> 2 === listen ? 0 : 1)) * 65536 + this.localPort[i]!) * local.span + local.ranks[this.local[i]!]!;
    }
    let order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const keys = new Float64Array(n);
    for (const [key, max] of [
      [peerKey, 65537 * remote.span],
      [localKey, 4 * 65536 * local.span],
    ] as const) {
      // key * n + place must stay an exact integer; past that (millions of distinct
      // addresses), a comparison sort does the same.
      if (max * n > this.exact) {
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
  async writeTo(out: OutputStream, options: { chalk: ChalkInstance }): Promise<void> {
    const { chalk } = options;
    const n = this.n;
    const widths = this.widths;
    // Owners' names are the only text from the system (sources that hand records over).
    const owners = [...this.owners.values()];
    const width = await widthOf(owners, (o) => o.process);
    const names = new Map<string, { text: Uint8Array; width: number }>();
    const nameOf = (raw: string) => {
      let name = names.get(raw);
      if (name === undefined) {
        const text = escapeControl(raw);
        names.set(raw, (name = { text: Buffer.from(text), width: width(text) }));
      }
      return name;
    };
    for (const o of owners) widths[6] = Math.max(widths[6]!, digits(o.pid) + 1 + nameOf(o.process ?? "").width);

    // Every cell is followed by its padding and one space (the join); the last by its padding.
    const cell = (c: number, text: string, shown = text) => Buffer.from(`${shown}${" ".repeat(widths[c]! - text.length + 1)} `);
    const protos = ["tcp", "udp", "tcp6", "udp6"].map((p) => cell(0, p));
    // Made for the states present only: the column is as wide as the widest of those.
    const states: Buffer[] = [];
    for (let code = 0; code <= TCP_STATES.length; code++) {
      const s = code === 0 ? "" : TCP_STATES[code - 1]!;
      if (s.length <= widths[5]!) states[code] = cell(5, s, code === 0 || chalk.level === 0 ? s : paint(chalk, STATE_MEANING[s as TcpState], s));
    }
    const noOwner = Buffer.from(`-${" ".repeat(widths[6]!)}`);
    const hosts = this.hosts;

    out.write(`${[...TABLE_HEAD, ...(this.withTimers ? ["Timer"] : [])].map((h, c) => `${paintHeader(chalk, h)}${" ".repeat(widths[c]! - h.length + 1)}`).join(" ")}\n`);
    // The most a line takes but for an owner's name and a timer: asked for at once, with
    // theirs, so that each line goes out whole (a SIGTERM ends the run between flushes).
    let most = 64;
    for (let c = 0; c < 7; c++) most += 3 * widths[c]! + 2;

    const [w1, w2, w3, w4] = [widths[1]! + 2, widths[2]! + 2, widths[3]! + 2, widths[4]! + 2];
    // The columns in locals: this loop runs once, before V8 has optimized it, where every
    // property read costs.
    const { kind, recvQ, sendQ, local, remote, localPort, remotePort } = this;
    const ownerOf = this.owners;
    const order = this.order();
    let scratch = Buffer.alloc(0); // where lines too long for the buffer are made
    for (let j = 0; j < n; j++) {
      const i = order[j]!;
      const owner = ownerOf.size === 0 ? undefined : ownerOf.get(i);
      const name = owner === undefined ? undefined : nameOf(owner.process ?? "");
      const need = most + (name === undefined ? 0 : name.text.length) + (this.withTimers ? 3 * widths[7]! : 0);
      // A line longer than the buffer (a hostile process name, and the padding of every
      // other line to its width) is made apart and written as text.
      const direct = need <= out.buf.length;
      if (direct) out.room(need);
      else if (scratch.length < need) scratch = Buffer.allocUnsafe(need);
      const b = direct ? out.buf : scratch;
      let at = direct ? out.used : 0;
      const k = kind[i]!;
      const p = protos[k & 3]!;
      b.set(p, at);
      at += p.length;
      // Recv-Q, Send-Q: digits (or "-"), then spaces to the column's end and the join.
      let end = at + w1;
      const rq = recvQ[i]!;
      if (rq < 0) b[at++] = DASH;
      else at = writeUint(b, at, rq);
      while (at < end) b[at++] = SPACE;
      end = at + w2;
      const sq = sendQ[i]!;
      if (sq < 0) b[at++] = DASH;
      else at = writeUint(b, at, sq);
      while (at < end) b[at++] = SPACE;
      // Local and peer endpoint: the address's bytes, the port (or "*"), the padding
      // (columns are counted in characters, the address's bytes may be more).
      const lh = hosts[local[i]!]!;
      end = at + w3 + lh.bytes.length - lh.length;
      b.set(lh.bytes, at);
      at = writeUint(b, at + lh.bytes.length, localPort[i]!);
      while (at < end) b[at++] = SPACE;
      const rh = hosts[remote[i]!]!;
      const rp = remotePort[i]!;
      end = at + w4 + rh.bytes.length - rh.length;
      b.set(rh.bytes, at);
      at += rh.bytes.length;
      if (rp < 0) b[at++] = STAR;
      else at = writeUint(b, at, rp);
      while (at < end) b[at++] = SPACE;
      const s = states[k >> 2]!;
      b.set(s, at);
      at += s.length;
      if (owner === undefined || name === undefined) {
        b.set(noOwner, at);
        at += noOwner.length;
      } else {
        at = writeUint(b, at, owner.pid);
        b[at++] = SLASH;
        b.set(name.text, at);
        at += name.text.length;
        for (let pad = widths[6]! - digits(owner.pid) - name.width; pad > 0; pad--) b[at++] = SPACE;
      }
      if (this.withTimers) {
        const timer = formatTimer(this.timers[i]!);
        b[at++] = SPACE;
        for (let c = 0; c < timer.length; c++) b[at++] = timer.charCodeAt(c);
        for (let pad = widths[7]! - timer.length + 1; pad > 0; pad--) b[at++] = SPACE;
      }
      b[at++] = LF;
      if (direct) out.used = at;
      else out.write((b as Buffer).toString("utf8", 0, at));
      if (j % BATCH === BATCH - 1) {
        const behind = out.drained();
        if (behind) await behind;
      }
    }
  }
}

const STATE_INDEX: Readonly<Partial<Record<TcpState, number>>> = Object.fromEntries(TCP_STATES.map((s, i) => [s, i]));
/** Lines between two looks at the reader of the output. */
const BATCH = 512;
const SPACE = 0x20;
const DASH = 0x2d;
const STAR = 0x2a;
const SLASH = 0x2f;
const LF = 0x0a;
