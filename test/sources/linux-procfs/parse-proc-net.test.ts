import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SocketRecordSchema, type SocketRecord } from "../../../src/model/socket.js";
import { parseProcNet } from "../../../src/sources/linux-procfs/parse-proc-net.js";

const fixture = (path: string) => readFileSync(new URL(`../../../fixtures/linux-procfs/${path}`, import.meta.url), "latin1");
const expected = (path: string) => JSON.parse(fixture(path)) as SocketRecord[];

describe("parseProcNet on tables captured on this machine (little-endian)", () => {
  // Each .json was decoded by hand from the hex and checked against ss at capture time.
  for (const table of ["tcp", "tcp6", "udp", "udp6"] as const) {
    it(`reads ${table} exactly as hand-decoded`, () => {
      const proto = table.startsWith("tcp") ? "tcp" : "udp";
      const { records, problems } = parseProcNet(fixture(`netns-states/${table}`), { proto, byteOrder: "LE" });
      expect(problems).toEqual([]);
      expect(records).toEqual(expected(`netns-states/${table}.json`));
      for (const r of records) expect(() => SocketRecordSchema.parse(r)).not.toThrow();
    });
  }

  it("decodes a listener with a full accept queue and no peer", () => {
    const { records } = parseProcNet(fixture("netns-states/tcp"), { proto: "tcp" });
    const listener = records.find((r) => r.localPort === 11001 && r.state === "LISTEN");
    expect(listener).toMatchObject({ localAddress: "127.0.0.1", remoteAddress: null, remotePort: null, recvQ: 2, sendQ: 0 });
  });

  it("gives TIME_WAIT its timer in milliseconds and no owner, uid or inode", () => {
    const { records } = parseProcNet(fixture("netns-states/tcp"), { proto: "tcp" });
    const tw = records.find((r) => r.state === "TIME_WAIT");
    // 03:0000173C -> timer kind 3, 0x173C = 5948 ticks of 1/100 s
    expect(tw?.timer).toEqual({ kind: "timewait", expiresInMs: 59_480, retransmits: 0 });
    expect(tw).toMatchObject({ uid: null, inode: null, pid: null });
  });

  it("keeps IPv4-mapped addresses on tcp6 as family ipv6 ::ffff:a.b.c.d", () => {
    const { records } = parseProcNet(fixture("netns-states/tcp6"), { proto: "tcp" });
    const mapped = records.filter((r) => r.localAddress.startsWith("::ffff:"));
    expect(mapped.map((r) => r.state).sort()).toEqual(["ESTABLISHED", "SYN_RECV", "SYN_SENT", "TIME_WAIT"]);
    for (const r of mapped) {
      expect(r.family).toBe("ipv6");
      expect(r.localAddress).toBe("::ffff:127.0.0.1");
      expect(r.remoteAddress).toBe("::ffff:127.0.0.1");
    }
  });

  it("shows kernel state 0x0C (NEW_SYN_RECV request socket) as SYN_RECV", () => {
    const row = "   0: 0100007F:1F90 0100007F:C000 0C 00000000:00000000 01:00000064 00000000     0        0 0 0 0000000000000000";
    const { records, problems } = parseProcNet(row, { proto: "tcp" });
    expect(problems).toEqual([]);
    expect(records[0]?.state).toBe("SYN_RECV");
    expect(records[0]?.timer).toEqual({ kind: "retransmit", expiresInMs: 1000, retransmits: 0 });
  });

  it("converts ticks with another USER_HZ when told", () => {
    const row = "   0: 0100007F:1F90 0100007F:C000 06 00000000:00000000 03:000003E8 00000000     0        0 0 3 0000000000000000";
    expect(parseProcNet(row, { proto: "tcp", userHz: 1000 }).records[0]?.timer?.expiresInMs).toBe(1000);
  });

  it("reports a zero-window probe timer with its unanswered probes", () => {
    const row = "   0: 0100007F:1F90 0100007F:C000 01 00000010:00000000 04:000000C8 00000000     0        5 77 2 0000000000000000";
    expect(parseProcNet(row, { proto: "tcp" }).records[0]?.timer).toEqual({ kind: "probe", expiresInMs: 2000, retransmits: 5 });
  });

  it("accepts CRLF line ends and a missing trailing newline", () => {
    const text = fixture("netns-states/udp").replace(/\n/g, "\r\n").trimEnd();
    const { records, problems } = parseProcNet(text, { proto: "udp" });
    expect(problems).toEqual([]);
    expect(records.map((r) => r.localPort)).toEqual([11050, 11051]);
  });
});

describe("parseProcNet on a big-endian host's tables (written by hand)", () => {
  const want = JSON.parse(fixture("big-endian/expected.json")) as Record<string, SocketRecord[]>;
  for (const table of ["tcp", "tcp6"] as const) {
    it(`reads ${table} with byteOrder BE`, () => {
      const { records, problems } = parseProcNet(fixture(`big-endian/${table}`), { proto: "tcp", byteOrder: "BE" });
      expect(problems).toEqual([]);
      expect(records).toEqual(want[table]);
    });
  }

  it("reads the same text differently as little-endian (the byte order matters)", () => {
    const { records } = parseProcNet(fixture("big-endian/tcp"), { proto: "tcp", byteOrder: "LE" });
    expect(records[0]?.localAddress).toBe("1.0.0.127");
  });
});

describe("ProcNetParser's keepRow: the cheap filters before a record is made", () => {
  it("keeps exactly the rows the whole table would give and the filter keep, and still counts bad rows", () => {
    const whole = parseProcNet(fixture("netns-states/tcp"), { proto: "tcp" });
    const listening = parseProcNet(fixture("netns-states/tcp"), { proto: "tcp", keepRow: (row) => row.state === "LISTEN" });
    expect(listening.records.length).toBeGreaterThan(0);
    expect(listening.records.length).toBeLessThan(whole.records.length);
    expect(listening.records).toEqual(whole.records.filter((r) => r.state === "LISTEN"));
    const bad = parseProcNet(fixture("malformed/tcp"), { proto: "tcp", keepRow: () => false });
    expect(bad.records).toEqual([]);
    expect(bad.problems.map((p) => p.line)).toEqual([3, 4, 5, 7, 8, 9]);
  });
});

describe("ProcNetParser's keepEarly: state, local port and family before the addresses", () => {
  it("gives what the whole filter gives, for states, local ports and families", async () => {
    const { makeEarlyPredicate, makePredicate, parsePorts, parseStates } = await import("../../../src/lib/filter.js");
    const filters = [
      { protos: ["tcp" as const], families: ["ipv4" as const, "ipv6" as const], states: parseStates(["listen"]) },
      { protos: ["tcp" as const], families: ["ipv4" as const, "ipv6" as const], localPorts: parsePorts(["11001"], "--sport") },
      { protos: ["tcp" as const], families: ["ipv6" as const] },
      { protos: ["tcp" as const], families: ["ipv4" as const], states: parseStates(["time-wait", "established"]) },
    ];
    for (const table of ["tcp", "tcp6"]) {
      const whole = parseProcNet(fixture(`netns-states/${table}`), { proto: "tcp" });
      for (const filter of filters) {
        const keepEarly = makeEarlyPredicate(filter);
        expect(keepEarly).toBeDefined();
        const early = parseProcNet(fixture(`netns-states/${table}`), { proto: "tcp", keepEarly });
        expect(early.records).toEqual(whole.records.filter(makePredicate(filter)));
      }
    }
    // Nothing to ask early: no predicate, the hot path unchanged.
    expect(makeEarlyPredicate({ protos: ["tcp"], families: ["ipv4", "ipv6"] })).toBeUndefined();
  });
});

describe("parseProcNet on malformed lines", () => {
  const { records, problems } = parseProcNet(fixture("malformed/tcp"), { proto: "tcp", source: "/proc/net/tcp" });

  it("keeps the good rows around the bad ones", () => {
    expect(records.map((r) => [r.localPort, r.inode])).toEqual([
      [8080, 1001],
      [8082, 1007],
    ]);
  });

  it("counts every bad row as a problem with its source and line number (header is line 1)", () => {
    expect(problems.map((p) => p.line)).toEqual([3, 4, 5, 7, 8, 9]);
    for (const p of problems) expect(p.source).toBe("/proc/net/tcp");
    expect(problems[0]?.reason).toMatch(/10 fields, found 4/);
    expect(problems[0]?.text).toBe("   1: 0100007F:1F90 00000000:0000 0A");
    expect(problems[1]?.reason).toMatch(/address/);
    expect(problems[2]?.reason).toMatch(/state code 0D/);
    expect(problems[3]?.reason).toMatch(/queue/);
    expect(problems[4]?.reason).toMatch(/address/);
    expect(problems[5]?.reason).toMatch(/inode/);
  });

  it("reads a UDP row: st 07 (unconnected) is not a TCP state, so state stays null", () => {
    const row = "  10: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 999 2 0000000000000000 0";
    const { records: udp, problems: none } = parseProcNet(row, { proto: "udp" });
    expect(none).toEqual([]);
    expect(udp[0]).toMatchObject({ proto: "udp", localPort: 53, state: null, uid: 101, inode: 999 });
  });

  it("returns nothing and no problem for an empty table (header only)", () => {
    const header = fixture("netns-states/tcp").split("\n")[0] as string;
    expect(parseProcNet(`${header}\n`, { proto: "tcp" })).toEqual({ records: [], problems: [] });
  });
});
