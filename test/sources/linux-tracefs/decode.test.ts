import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { makeDecoder, symbolsOf, type KernelEvent, type KernelEventType } from "../../../src/sources/linux-tracefs/decode.js";
import { parseEventFormat } from "../../../src/sources/linux-tracefs/parse-format.js";
import { decodePage, pageLayoutOf, PAGE_LAYOUT_64 } from "../../../src/sources/linux-tracefs/parse-page.js";
import { lostOf, parseCpuStats } from "../../../src/sources/linux-tracefs/parse-stats.js";
import { tracefsMounts } from "../../../src/sources/linux-tracefs/tracefs.js";
import { parseSavedCmdlines } from "../../../src/sources/trace/attribute.js";

/**
 * The binary trace decoder against the kernel's own text of the same events: a page of
 * trace_pipe_raw captured on Linux 6.18 and the instance's `trace` file read before it
 * (fixtures/linux-tracefs/6.18/PROVENANCE.md). Every field the kernel printed is compared.
 */

const dir = new URL("../../../fixtures/linux-tracefs/6.18/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, dir));
const text = (name: string) => fixture(name).toString("utf8");

function decoder() {
  const formats = new Map<KernelEventType, { format: ReturnType<typeof parseEventFormat>; text: string }>();
  for (const [type, file] of [
    ["transition", "inet_sock_set_state.format"],
    ["reset-sent", "tcp_send_reset.format"],
    ["reset-received", "tcp_receive_reset.format"],
    ["retransmit", "tcp_retransmit_skb.format"],
  ] as const) {
    formats.set(type, { format: parseEventFormat(text(file)), text: text(file) });
  }
  return makeDecoder(formats);
}

/** "python3-25803 [000] ..s2.  2231.210661: inet_sock_set_state: ... sport=5555 dport=57960 saddr=127.0.0.1 daddr=127.0.0.1 ... oldstate=TCP_LISTEN newstate=TCP_SYN_RECV" */
function kernelLines() {
  return text("cpu0.trace.txt")
    .split("\n")
    .filter((l) => l.includes("inet_sock_set_state:"))
    .map((line) => {
      const m = /-(\d+)\s+\[(\d+)\]\s+(\S+)\s+(\d+)\.(\d+):.*sport=(\d+) dport=(\d+) saddr=(\S+) daddr=(\S+) .*oldstate=TCP_(\w+) newstate=TCP_(\w+)/.exec(line);
      if (!m) throw new Error(`unreadable fixture line: ${line}`);
      return {
        tid: Number(m[1]),
        cpu: Number(m[2]),
        softirq: m[3]![2] === "s",
        micros: Number(m[4]) * 1e6 + Number(m[5]),
        sport: Number(m[6]),
        dport: Number(m[7]),
        saddr: m[8],
        daddr: m[9],
        from: m[10],
        to: m[11],
      };
    });
}

describe("trace_pipe_raw pages, decoded with the format files", () => {
  it("reads the page header layout from header_page", () => {
    expect(pageLayoutOf(text("header_page"))).toEqual({ commitOffset: 8, dataOffset: 16 });
    expect(pageLayoutOf("nothing useful")).toEqual(PAGE_LAYOUT_64);
  });

  it("gives every event the kernel printed, field for field, in order", () => {
    const page = fixture("cpu0.trace_pipe_raw");
    const decode = decoder();
    const events: KernelEvent[] = [];
    const result = decodePage(page, page.length, (buf, at, _len, timeNs) => {
      const e = decode(buf, at, 0, timeNs);
      if (e) events.push(e);
    });
    const expected = kernelLines();
    expect(expected).toHaveLength(12);
    expect(result.records).toBe(12);
    expect(result.missed).toBe(0);
    expect(events.map((e) => ({
      tid: e.tid,
      cpu: e.cpu,
      softirq: e.context === "softirq",
      // The kernel prints microseconds rounded (ns2usecs adds 500 ns).
      micros: Math.round(e.timeNs / 1000),
      sport: e.localPort,
      dport: e.remotePort,
      saddr: e.localAddress,
      daddr: e.remoteAddress,
      from: e.from,
      to: e.to,
    }))).toEqual(expected.map((k) => ({ ...k, from: k.from === "NEW_SYN_RECV" ? "SYN_RECV" : k.from, to: k.to === "NEW_SYN_RECV" ? "SYN_RECV" : k.to })));
  });

  it("follows one socket by its address: the client's five changes share one skaddr", () => {
    const page = fixture("cpu0.trace_pipe_raw");
    const decode = decoder();
    const events: KernelEvent[] = [];
    decodePage(page, page.length, (buf, at, _len, t) => void events.push(decode(buf, at, 0, t)!));
    const client = events.filter((e) => e.remotePort === 5555);
    expect(client.map((e) => `${e.from}>${e.to}`)).toEqual(["CLOSE>SYN_SENT", "SYN_SENT>ESTABLISHED", "ESTABLISHED>FIN_WAIT1", "FIN_WAIT1>FIN_WAIT2", "FIN_WAIT2>CLOSE"]);
    expect(new Set(client.map((e) => e.skaddr)).size).toBe(1);
    expect(client[0]!.skaddr).toMatch(/^ffff[0-9a-f]{12}$/);
  });

  it("handles the entry types a page may hold: time extend, padding, a long record", () => {
    // Built by hand after kernel/trace/ring_buffer.c: 16-byte header, then entries.
    const page = Buffer.alloc(4096);
    page.writeBigUInt64LE(1_000_000n, 0);
    let at = 16;
    const word = (typeLen: number, delta: number) => (page.writeUInt32LE(((delta << 5) | typeLen) >>> 0, at), (at += 4));
    // A record of 8 bytes (type_len 2), 10 ns after the page time.
    word(2, 10);
    page.writeUInt32LE(0xaaaa, at);
    at += 8;
    // Time extend: + (3 << 27) + 5 ns.
    word(30, 5);
    page.writeUInt32LE(3, at);
    at += 4;
    // Padding: array[0] = the bytes after the header word (itself included), here 12.
    word(29, 1);
    page.writeUInt32LE(12, at);
    at += 12;
    // type_len 0: u32 length (itself included), here 4 + 120 bytes of data.
    word(0, 7);
    page.writeUInt32LE(124, at);
    at += 4;
    page.writeUInt32LE(0xbbbb, at);
    at += 120;
    page.writeUInt32LE(at - 16, 8);
    const seen: Array<[number, number, number]> = [];
    const r = decodePage(page, 4096, (buf, offset, length, timeNs) => void seen.push([buf.readUInt32LE(offset), length, timeNs]));
    expect(r.records).toBe(2);
    expect(seen).toEqual([
      [0xaaaa, 8, 1_000_010],
      // Padding's delta is not time (the kernel sets it to 1 only to mark the padding as not empty).
      [0xbbbb, 120, 1_000_010 + 5 + 3 * 2 ** 27 + 7],
    ]);
  });

  it("counts events the kernel says it missed before a page", () => {
    const page = Buffer.alloc(4096);
    // commit: no data, bit 31 (missed) and bit 30 (count stored after the data).
    page.writeUInt32LE((0x80000000 | 0x40000000) >>> 0, 8);
    page.writeBigUInt64LE(42n, 16);
    expect(decodePage(page, 4096, () => {}).missed).toBe(42);
    page.writeUInt32LE(0x80000000, 8);
    expect(decodePage(page, 4096, () => {}).missed).toBe(-1);
  });

  it("names reset reasons from the format's symbol table", () => {
    const reasons = symbolsOf(text("tcp_send_reset.format"), "reason");
    expect(reasons.get(1)).toBe("NO_SOCKET");
    expect(reasons.get(0)).toBe("NOT_SPECIFIED");
  });
});

describe("small tracefs texts", () => {
  it("finds tracefs (and debugfs's tracing/) in /proc/self/mounts", () => {
    const mounts = "proc /proc proc rw 0 0\nnodev /sys/kernel/tracing tracefs rw,relatime 0 0\ndebugfs /sys/kernel/debug debugfs rw 0 0\n";
    expect(tracefsMounts(mounts)).toEqual(["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]);
    expect(tracefsMounts("proc /proc proc rw 0 0\n")).toEqual([]);
  });

  it("reads overruns and dropped events from a per-CPU stats file", () => {
    const stats = parseCpuStats("entries: 3\noverrun: 12\ncommit overrun: 1\nbytes: 228\noldest event ts:  2231.207543\nnow ts:  2300.000000\ndropped events: 4\nread events: 99\n");
    expect(stats).toEqual({ overrun: 12, commitOverrun: 1, dropped: 4, read: 99 });
    expect(lostOf(stats)).toBe(17);
  });

  it("reads the kernel's saved process names", () => {
    expect(parseSavedCmdlines("25803 python3\n1 systemd\n77 my prog\n")).toEqual(new Map([[25803, "python3"], [1, "systemd"], [77, "my prog"]]));
  });
});
