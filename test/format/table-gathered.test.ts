import { readFileSync } from "node:fs";
import { Chalk, type ChalkInstance } from "chalk";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderTable } from "../../src/format/table.js";
import { GatheredTable } from "../../src/format/table-gathered.js";
import type { SocketRecord } from "../../src/model/socket.js";
import { TCP_STATES } from "../../src/model/state.js";
import { ProcNetParser } from "../../src/sources/linux-procfs/parse-proc-net.js";
import { runs } from "../property/harness.js";
import { captured, withOwners } from "./captured-sockets.js";
import { memoryOutput } from "../helpers/memory-output.js";

/**
 * A listing without owners is gathered into GatheredTable as the /proc tables are read, not
 * into records: whatever it is handed (rows or records), it must print renderTable's text
 * for the same sockets to the byte, sorted, aligned and coloured alike.
 */

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let out = "";
  for await (const chunk of chunks) out += chunk;
  return out;
}

/** What GatheredTable writes, through a buffer of a few lines flushed often. */
async function written(table: GatheredTable, chalk: ChalkInstance): Promise<string> {
  const out = memoryOutput(1024);
  await table.writeTo(out, { chalk });
  return out.text();
}

const viaTable = (records: readonly SocketRecord[], timers: boolean, chalk = new Chalk({ level: 0 })) => text(renderTable(records, { chalk, timers }));

async function viaRecords(records: readonly SocketRecord[], timers: boolean, chalk = new Chalk({ level: 0 }), limits?: { keyBits: number; exact: number }): Promise<string> {
  const table = new GatheredTable(timers, limits);
  for (const r of records) table.record(r);
  return written(table, chalk);
}

describe("GatheredTable prints renderTable's text", () => {
  it.each([false, true])("for rows of captured /proc/net tables (timers: %s)", async (timers) => {
    const table = new GatheredTable(timers);
    const records: SocketRecord[] = [];
    for (const file of ["tcp", "tcp6", "udp", "udp6"]) {
      const bytes = readFileSync(new URL(`../../fixtures/linux-procfs/netns-states/${file}`, import.meta.url));
      const proto = file.startsWith("tcp") ? "tcp" : "udp";
      // The same bytes parsed twice: once into rows (as a live listing without owners), once into records.
      const rows = new ProcNetParser({ proto, onRecord: () => {}, onRow: (row) => table.row(row) });
      rows.push(bytes, bytes.length);
      const whole = new ProcNetParser({ proto, onRecord: (r) => records.push(r) });
      whole.push(bytes, bytes.length);
    }
    expect(table.size).toBe(records.length);
    expect(records.length).toBeGreaterThan(10);
    const out = await written(table, new Chalk({ level: 0 }));
    expect(out).toBe(await viaTable(records, timers));
    expect(out).toMatch(/^tcp6 +\d+ +0 +\[::1\]:\d+ +\[::\]:\* +LISTEN +-( +off)?$/m);
  });

  it("for records with owners, wide and hostile names, in colour", async () => {
    for (const level of [0, 1, 3] as const) {
      const chalk = new Chalk({ level });
      expect(await viaRecords(withOwners, true, chalk)).toBe(await viaTable(withOwners, true, chalk));
    }
    expect(await viaRecords(captured, false)).toBe(await viaTable(captured, false));
    // A name wider than any buffer: its padding on every other line too.
    const huge = [...captured.slice(0, 3), { ...captured[3]!, pid: 7, process: `${"x".repeat(70_000)}\u0301` }];
    expect(await viaRecords(huge, false)).toBe(await viaTable(huge, false));
    expect(await viaRecords([], false)).toBe("Proto  Recv-Q  Send-Q  Local Address  Foreign Address  State  PID/Program\n");
  });

  it("for any records: ties, equal ports, IPv4 and IPv6 peers, no peer, unknown queues", async () => {
    // Few distinct values, so that ties and equal keys are common.
    const address = fc.constantFrom("127.0.0.1", "10.0.0.2", "9.9.9.9", "::1", "fe80::1%eth0", "::ffff:127.0.0.1", "::", "0.0.0.0");
    const record: fc.Arbitrary<SocketRecord> = fc.record({
      proto: fc.constantFrom("tcp", "udp"),
      family: fc.constantFrom("ipv4", "ipv6"),
      localAddress: address,
      localPort: fc.constantFrom(0, 22, 80, 443, 8080, 65535),
      remoteAddress: fc.option(address),
      remotePort: fc.option(fc.constantFrom(0, 80, 40000, 65535)),
      state: fc.option(fc.constantFrom(...TCP_STATES)),
      recvQ: fc.option(fc.constantFrom(0, 1, 4294967295)),
      sendQ: fc.option(fc.constantFrom(0, 12345)),
      pid: fc.option(fc.constantFrom(1, 4242)),
      process: fc.option(fc.constantFrom("nginx", "日本語", "evil\x1b[2J")),
      uid: fc.constant(null),
      user: fc.constant(null),
      inode: fc.constant(null),
      timer: fc.option(fc.record({ kind: fc.constantFrom("retransmit", "keepalive", "timewait", "probe"), expiresInMs: fc.nat(), retransmits: fc.nat({ max: 9 }) })),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { maxLength: 60 }), fc.boolean(), async (records, timers) => {
        const expected = await viaTable(records, timers);
        expect(await viaRecords(records, timers)).toBe(expected);
        // Keys too long for 64 bits (thousands of distinct addresses): two sorts of doubles.
        expect(await viaRecords(records, timers, undefined, { keyBits: 0, exact: Number.MAX_SAFE_INTEGER })).toBe(expected);
        // Keys too big to sort as exact numbers (millions of distinct addresses): the comparison sort.
        expect(await viaRecords(records, timers, undefined, { keyBits: 0, exact: 1000 })).toBe(expected);
      }),
      runs(300),
    );
  });
});

describe("GatheredTable's -i columns (a tail of cells kept as bytes)", () => {
  it.each([false, true])("print renderTable's -i text (timers: %s)", async (timers) => {
    const { INFO_COLUMNS } = await import("../../src/format/table.js");
    const { emptyInfo } = await import("../../src/sources/linux-ss/parse-ss-info.js");
    const records: SocketRecord[] = [];
    for (const file of ["tcp", "tcp6", "udp", "udp6"]) {
      const bytes = readFileSync(new URL(`../../fixtures/linux-procfs/netns-states/${file}`, import.meta.url));
      new ProcNetParser({ proto: file.startsWith("tcp") ? "tcp" : "udp", onRecord: (r) => records.push(r) }).push(bytes, bytes.length);
    }
    // Some sockets with tcp_info (wide and narrow figures), some without (as ss gives none for TIME_WAIT).
    const byInode = new Map<number, NonNullable<SocketRecord["tcpInfo"]>>();
    records.forEach((r, k) => {
      if (r.proto !== "tcp" || !r.inode || k % 3 === 2) return;
      byInode.set(r.inode, { ...emptyInfo("ss"), rttMs: k * 0.125, cwnd: 10 + k, retransmits: k % 2, totalRetrans: k, bytesSent: 10 ** (k % 9), bytesReceived: k, lastSendMs: k * 7, lastRecvMs: k * 5 });
    });
    const withInfo = records.map((r) => ({ ...r, tcpInfo: r.proto === "tcp" && r.inode !== null ? (byInode.get(r.inode) ?? null) : null }));
    const cells = (inode: number, proto: string) => INFO_COLUMNS.map(([, text]) => text(proto === "tcp" && inode > 0 ? (byInode.get(inode) ?? null) : null));
    // Cells given all at once from the inodes (the route with owners) or with each socket (from ss's lines).
    const table = new GatheredTable(timers, undefined, { heads: INFO_COLUMNS.map(([head]) => head) });
    for (const r of records) table.record(r);
    table.fillTail(cells);
    const each = new GatheredTable(timers, undefined, { heads: INFO_COLUMNS.map(([head]) => head) });
    for (const r of records) {
      each.record(r);
      each.tailCells(cells(r.inode ?? 0, r.proto));
    }
    expect(await written(each, new Chalk({ level: 0 }))).toBe(await written(table, new Chalk({ level: 0 })));
    const out = await written(table, new Chalk({ level: 0 }));
    expect(out).toBe(await text(renderTable(withInfo, { chalk: new Chalk({ level: 0 }), timers, info: true })));
    expect(byInode.size).toBeGreaterThan(3);
    expect(out.split("\n")[0]).toMatch(/PID\/Program +(Timer +)?RTT\(ms\) +Cwnd +Retrans +Sent +Recv +Idle\(ms\)$/);
  });
});
