import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SocketRecord } from "../../../src/model/socket.js";
import { parseProcNet, ProcNetParser, type ByteOrder } from "../../../src/sources/linux-procfs/parse-proc-net.js";
import { addressText } from "../../property/address-oracle.js";
import { anyText, document, expectSound, mutated, runs } from "../../property/harness.js";
import { memoryOutput } from "../../helpers/memory-output.js";

/**
 * /proc/net/{tcp,tcp6,udp,udp6} under random and hostile input. Rows are written here the way
 * the kernel prints them (net/ipv4/tcp_ipv4.c get_tcp4_sock, net/ipv6/tcp_ipv6.c get_tcp6_sock,
 * net/ipv4/udp.c udp4_format_sock), independently of the parser.
 */

// include/net/tcp_states.h, by hand.
const KERNEL_STATES: ReadonlyArray<[number, SocketRecord["state"]]> = [
  [1, "ESTABLISHED"], [2, "SYN_SENT"], [3, "SYN_RECV"], [4, "FIN_WAIT1"], [5, "FIN_WAIT2"], [6, "TIME_WAIT"],
  [7, "CLOSE"], [8, "CLOSE_WAIT"], [9, "LAST_ACK"], [10, "LISTEN"], [11, "CLOSING"], [12, "SYN_RECV"],
];
const TIMER_NAMES = ["retransmit", "keepalive", "timewait", "probe"] as const;
const HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";

const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, "0");

/** The kernel prints each 32-bit word of the address as a number in the host's byte order. */
function addressHex(bytes: readonly number[], order: ByteOrder): string {
  let out = "";
  for (let w = 0; w < bytes.length; w += 4) {
    const [a, b, c, d] = bytes.slice(w, w + 4) as [number, number, number, number];
    const word = order === "LE" ? (a | (b << 8) | (c << 16) | (d << 24)) >>> 0 : ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
    out += hex(word, 8);
  }
  return out;
}

/** IPv6 bytes biased towards zero runs, the IPv4-mapped prefix and loopback, where formatting is tricky. */
const v6Bytes = fc.oneof(
  fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }).map((groups) => groups.flatMap((g) => [g >> 8, g & 0xff])),
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }).map((v4) => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4]),
  fc.constant([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  fc.constant([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
);
const v4Bytes = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
  fc.constant([0, 0, 0, 0]),
  fc.constant([127, 0, 0, 1]),
);

interface Row {
  proto: "tcp" | "udp";
  v6: boolean;
  local: readonly number[];
  localPort: number;
  remote: readonly number[];
  remotePort: number;
  stateCode: number;
  tx: number;
  rx: number;
  tr: number;
  when: number;
  retrans: number;
  uid: number;
  probes: number;
  inode: number;
  sl: number;
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const rowArb: fc.Arbitrary<Row> = fc
  .record({
    proto: fc.constantFrom("tcp" as const, "udp" as const),
    v6: fc.boolean(),
    local4: v4Bytes,
    remote4: v4Bytes,
    local6: v6Bytes,
    remote6: v6Bytes,
    localPort: fc.integer({ min: 0, max: 65535 }),
    remotePort: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 65535 })),
    stateIndex: fc.nat(KERNEL_STATES.length - 1),
    tx: fc.oneof(fc.constant(0), u32),
    rx: fc.oneof(fc.constant(0), u32),
    tr: fc.integer({ min: 0, max: 4 }),
    when: u32,
    retrans: u32,
    uid: u32,
    probes: fc.integer({ min: 0, max: 0x7fffffff }),
    inode: fc.oneof(fc.integer({ min: 1, max: 0xffffffff }), fc.maxSafeNat()),
    sl: fc.nat(100_000),
  })
  .map((r) => {
    const [code, state] = KERNEL_STATES[r.stateIndex]!;
    const timeWait = r.proto === "tcp" && state === "TIME_WAIT";
    return {
      proto: r.proto,
      v6: r.v6,
      local: r.v6 ? r.local6 : r.local4,
      remote: r.v6 ? r.remote6 : r.remote4,
      localPort: r.localPort,
      remotePort: r.remotePort,
      // UDP prints 07 (unconnected) or 01 (connected); any code parses, none becomes a state.
      stateCode: r.proto === "udp" ? (r.stateIndex % 2 ? 1 : 7) : code,
      tx: r.tx,
      rx: r.rx,
      tr: r.tr,
      when: r.when,
      retrans: r.retrans,
      // get_timewait4_sock prints uid 0, probes 0 and inode 0.
      uid: timeWait ? 0 : r.uid,
      probes: timeWait ? 0 : r.probes,
      inode: timeWait ? 0 : r.inode,
      sl: r.sl,
    };
  });

function writeRow(r: Row, order: ByteOrder): string {
  const sl = r.proto === "udp" ? String(r.sl).padStart(5) : String(r.sl).padStart(4);
  const ep = (bytes: readonly number[], port: number) => `${addressHex(bytes, order)}:${hex(port, 4)}`;
  const head = `${sl}: ${ep(r.local, r.localPort)} ${ep(r.remote, r.remotePort)} ${hex(r.stateCode, 2)} ${hex(r.tx, 8)}:${hex(r.rx, 8)} ${hex(r.tr, 2)}:${hex(r.when, 8)} ${hex(r.retrans, 8)} ${String(r.uid).padStart(5)} ${String(r.probes).padStart(8)} ${r.inode}`;
  return r.proto === "tcp" ? `${head} 1 0000000000000000 20 4 30 10 -1` : `${head} 2 0000000000000000 0`;
}

/** What a user should get for the row: worked out from the kernel's meaning of each column. */
function expected(r: Row): SocketRecord {
  const state = r.proto === "tcp" ? KERNEL_STATES.find(([c]) => c === r.stateCode)![1] : null;
  const noPeer = r.remotePort === 0 && r.remote.every((b) => b === 0);
  const kind = r.tr === 0 ? null : TIMER_NAMES[r.tr - 1]!;
  return {
    proto: r.proto,
    family: r.v6 ? "ipv6" : "ipv4",
    localAddress: addressText(r.local),
    localPort: r.localPort,
    remoteAddress: noPeer ? null : addressText(r.remote),
    remotePort: noPeer ? null : r.remotePort,
    state,
    recvQ: r.rx,
    sendQ: r.tx,
    pid: null,
    process: null,
    uid: state === "TIME_WAIT" ? null : r.uid,
    user: null,
    inode: r.inode === 0 ? null : r.inode,
    // USER_HZ is 100: one tick is 10 ms. Keepalive and zero-window probes count probes_out.
    timer: kind === null ? null : { kind, expiresInMs: r.when * 10, retransmits: kind === "keepalive" || kind === "probe" ? r.probes : r.retrans },
  };
}

const validLine = fc.tuple(rowArb, fc.constantFrom<ByteOrder>("LE", "BE")).map(([r, o]) => writeRow(r, o));
const isBlankOrHeader = (line: string) => /^[ \t]*\r?$/.test(line) || /^[ \t]*sl/.test(line);

describe("parseProcNet properties", () => {
  it("round trip: a row written like the kernel parses back to the record it describes", () => {
    fc.assert(
      fc.property(rowArb, fc.constantFrom<ByteOrder>("LE", "BE"), (row, order) => {
        const text = `${HEADER}\n${writeRow(row, order)}\n`;
        const result = parseProcNet(text, { proto: row.proto, byteOrder: order });
        expect(result.problems).toEqual([]);
        expect(result.records).toEqual([expected(row)]);
      }),
      runs(3000),
    );
  });

  it("a mutated line never throws: it becomes one valid record or one counted problem", () => {
    fc.assert(
      fc.property(mutated(validLine), fc.constantFrom("tcp" as const, "udp" as const), (line, proto) => {
        const result = parseProcNet(line, { proto, source: "/proc/net/x" });
        expectSound(result, line);
        // A line with an inner LF is two lines; count each.
        const lines = line.split("\n").filter((l) => !isBlankOrHeader(l));
        expect(result.records.length + result.problems.length).toBe(lines.length);
        for (const p of result.problems) expect(p.source).toBe("/proc/net/x");
      }),
      runs(4000),
    );
  });

  // Rows in the kernel's layout have their fields placed by offset (RowReader.place), any
  // other spacing is scanned (split): the two must agree on every line, damaged or not.
  it("a line reads the same with every space doubled (placed fields vs. scanned fields)", () => {
    fc.assert(
      fc.property(fc.oneof(validLine, mutated(validLine)), fc.constantFrom("tcp" as const, "udp" as const), (line, proto) => {
        fc.pre(!/[\r\n]/.test(line));
        const placed = parseProcNet(line, { proto });
        const scanned = parseProcNet(line.replaceAll(" ", "  "), { proto });
        expect(placed.records).toEqual(scanned.records);
        expect(placed.problems.map((p) => p.reason)).toEqual(scanned.problems.map((p) => p.reason));
      }),
      runs(4000),
    );
  });

  it("any text at all never throws and every non-blank line is accounted for", () => {
    fc.assert(
      fc.property(document(fc.oneof(anyText, validLine, mutated(validLine)), HEADER), (text) => {
        const result = parseProcNet(text, { proto: "tcp" });
        expectSound(result, text);
        const lines = text.split("\n").filter((l) => !isBlankOrHeader(l));
        expect(result.records.length + result.problems.length).toBe(lines.length);
      }),
      runs(2000),
    );
  });

  it("bytes fed in pieces of whole lines (the live reader) parse as the whole table does", () => {
    fc.assert(
      fc.property(document(fc.oneof(validLine, mutated(validLine)), HEADER), fc.array(fc.nat(), { maxLength: 5 }), (text, cuts) => {
        const bytes = Buffer.from(text, "latin1");
        const ends = [...new Set(cuts.map((c) => bytes.indexOf(0x0a, c % (bytes.length + 1))).filter((e) => e >= 0))].sort((a, b) => a - b);
        const parser = new ProcNetParser({ proto: "tcp", source: "t" });
        let from = 0;
        for (const end of [...ends, bytes.length - 1]) {
          if (end + 1 <= from) continue;
          parser.push(bytes.subarray(from, end + 1));
          from = end + 1;
        }
        const whole = parseProcNet(bytes, { proto: "tcp", source: "t" });
        expect({ records: parser.records, problems: parser.problems }).toEqual(whole);
      }),
      runs(1500),
    );
  });

  it("a problem quotes its line and gives its line number", () => {
    fc.assert(
      fc.property(fc.array(validLine, { minLength: 1, maxLength: 8 }), fc.nat(), anyText, (lines, at, junk) => {
        fc.pre(!isBlankOrHeader(junk) && !junk.includes("\n") && !junk.includes("\r"));
        const i = at % (lines.length + 1);
        const all = [...lines.slice(0, i), `x ${junk}`, ...lines.slice(i)];
        const result = parseProcNet(all.join("\n"), { proto: "tcp" });
        expect(result.records).toHaveLength(lines.length);
        expect(result.problems).toHaveLength(1);
        expect(result.problems[0]!.line).toBe(i + 1);
        expect(result.problems[0]!.text).toBe(`x ${junk}`);
      }),
      runs(1000),
    );
  });
});

describe("parseProcNet: counterexamples fast-check found, kept as examples", () => {
  const row = (uid: string, when = "00000000") =>
    `   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:${when} 00000000 ${uid} 0 31337 1 0000000000000000 100 0 0 10 0`;

  it("a uid too big for a safe integer is a problem, not a rounded number", () => {
    const result = parseProcNet(row("18446744073709551616"), { proto: "tcp" });
    expect(result.records).toEqual([]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]!.reason).toMatch(/uid/);
  });

  it("a timer too far away to count in milliseconds is a problem", () => {
    const result = parseProcNet(row("0", "FFFFFFFFFFFFFFFF"), { proto: "tcp" });
    expect(result.records).toEqual([]);
    expect(result.problems).toHaveLength(1);
  });

  it("the largest values the kernel prints still parse", () => {
    const result = parseProcNet(row("4294967295", "FFFFFFFF"), { proto: "tcp" });
    expect(result.problems).toEqual([]);
    expect(result.records[0]!.uid).toBe(4294967295);
  });
});

/**
 * `--json` / `--ndjson` without owners write each row's bytes straight from the decoded row
 * (src/format/json-stream.ts), never making its record. For any table, valid rows and
 * damaged lines mixed, and any user names, those bytes must be what the records give
 * through the ordinary renderers, and the problems the same.
 */
describe("rows written straight as JSON", () => {
  // The last name makes a row bigger than the output's buffer: written as its record's text.
  const NAMES = ["root", "dä mon", 'q"uote', "back\\slash", "\u001b[2J", "\ud800", "日本", "x".repeat(5000)];
  for (const kind of ["json", "ndjson"] as const) {
    it(`${kind}: the bytes of the records, each row's user name included`, async () => {
      const { JsonStream } = await import("../../../src/format/json-stream.js");
      const { JSON_OPEN, JSON_SEP, jsonClose, recordJson } = await import("../../../src/format/record-json.js");
      // Each record's own JSON text (record-json.ts, the one rule every output follows), laid out as the format lays records out.
      const expectedOf = (records: SocketRecord[]) =>
        kind === "ndjson" ? records.map((r) => `${recordJson(r)}\n`).join("") : records.length === 0 ? jsonClose(0) : `${JSON_OPEN}${records.map(recordJson).join(JSON_SEP)}${jsonClose(records.length)}`;
      const line = fc.oneof({ weight: 4, arbitrary: fc.tuple(rowArb, fc.constantFrom<ByteOrder>("LE")).map(([r, o]) => writeRow(r, o)) }, { weight: 1, arbitrary: mutated(rowArb.map((r) => writeRow(r, "LE"))) });
      fc.assert(
        fc.property(fc.array(line, { maxLength: 40 }), fc.nat(), (lines, seed) => {
          const text = `${HEADER}\n${lines.join("\n")}\n`;
          const userOf = (uid: number) => NAMES[(uid + seed) % NAMES.length]!;
          const bytes = Buffer.from(text, "latin1"); // as the live reader hands them over
          const records = parseProcNet(bytes, { proto: "tcp" });
          for (const r of records.records) if (r.uid !== null) r.user = userOf(r.uid);
          const out = memoryOutput(4096);
          const json = new JsonStream(kind, out);
          const parser = new ProcNetParser({
            proto: "tcp",
            onRecord: (r) => json.record(r),
            onRow: (row) => json.row({ ...row, user: row.uid === null ? null : userOf(row.uid) }),
          });
          parser.push(bytes);
          json.end();
          const expectedText = expectedOf(records.records);
          expect(out.text()).toBe(expectedText);
          expect(parser.problems).toEqual(records.problems);
          expect(parser.records).toEqual([]);
        }),
        runs(500),
      );
    });
  }
});
