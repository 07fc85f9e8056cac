import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RecordReuse } from "../../src/lib/record-reuse.js";
import { rowRecord, type ProcRow } from "../../src/model/socket-row.js";
import type { SocketRecord } from "../../src/model/socket.js";
import { runs } from "../property/harness.js";

/**
 * RecordReuse (lib/record-reuse.ts) gives a row last reading's record when the row reads as it
 * did. Whatever the readings (sockets opened, closed, moved in the table, fields changed, inode
 * 0 and null), every record it gives must be what rowRecord makes of its row, and a socket read
 * again unchanged must get the very object it had.
 */

const row = fc
  .record({
    inode: fc.oneof(fc.constantFrom(null, 0), fc.integer({ min: 1, max: 40 })),
    state: fc.constantFrom("ESTABLISHED", "CLOSE_WAIT", "TIME_WAIT", "LISTEN") as fc.Arbitrary<ProcRow["state"]>,
    localPort: fc.constantFrom(80, 443, 40000),
    remotePort: fc.constantFrom(null, 51000, 52000),
    recvQ: fc.constantFrom(0, 0, 0, 7),
    sendQ: fc.constantFrom(0, 0, 0, 9),
    timer: fc.constantFrom(null, null, { kind: "keepalive" as const, ms: 1000, n: 0 }, { kind: "retransmit" as const, ms: 200, n: 1 }),
    family: fc.constantFrom("ipv4", "ipv6") as fc.Arbitrary<ProcRow["family"]>,
  })
  .map(
    (r): ProcRow => ({
      proto: "tcp", family: r.family, localAddress: r.family === "ipv4" ? "127.0.0.1" : "::1", localPort: r.localPort,
      remoteAddress: r.remotePort === null ? null : r.family === "ipv4" ? "127.0.0.1" : "::1", remotePort: r.remotePort, state: r.state,
      recvQ: r.recvQ, sendQ: r.sendQ, uid: 0, user: "root", inode: r.inode, timerKind: r.timer?.kind ?? null, expiresInMs: r.timer?.ms ?? 0,
      retransmits: r.timer?.n ?? 0,
    }),
  );

/** One socket per inode (the kernel's), besides any number without one. */
const reading = fc.array(row, { maxLength: 30 }).map((rows) => {
  const seen = new Set<number>();
  return rows.filter((r) => !r.inode || (!seen.has(r.inode) && seen.add(r.inode)));
});

/** The next reading: some of the last one's rows kept (moved or not, some changed), new ones added. */
const next = (last: ProcRow[]) =>
  fc.tuple(fc.subarray(last), reading, fc.boolean(), fc.array(fc.nat(), { maxLength: 5 })).map(([kept, fresh, shuffle, changes]) => {
    const rows = kept.map((r) => ({ ...r }));
    for (const c of changes) if (rows.length > 0) rows[c % rows.length]!.sendQ += 1;
    const inodes = new Set(rows.map((r) => r.inode).filter(Boolean));
    const out = [...rows, ...fresh.filter((r) => !r.inode || !inodes.has(r.inode))];
    return shuffle ? out.reverse() : out;
  });

const readings = reading.chain((first) => fc.tuple(fc.constant(first), next(first)).chain(([a, b]) => fc.tuple(fc.constant(a), fc.constant(b), next(b))));

/** Reads `rows` as a parser hands them over: one object, filled again for each row. */
function read(reuse: RecordReuse, rows: readonly ProcRow[]): SocketRecord[] {
  reuse.begin();
  const scratch = { ...rows[0]! };
  for (const r of rows) reuse.row(Object.assign(scratch, r));
  return reuse.end();
}

describe("RecordReuse over random readings", () => {
  it("gives what rowRecord makes of each row, and an unchanged socket its last record", () => {
    fc.assert(
      fc.property(readings, (all) => {
        const reuse = new RecordReuse();
        let last = new Map<number, { row: ProcRow; record: SocketRecord }>();
        for (const rows of all) {
          const records = read(reuse, rows);
          expect(records).toEqual(rows.map(rowRecord));
          rows.forEach((r, i) => {
            const before = r.inode ? last.get(r.inode) : undefined;
            const unchanged = before !== undefined && JSON.stringify(rowRecord(before.row)) === JSON.stringify(rowRecord(r));
            // The same object exactly when the socket was read before and nothing it shows changed.
            expect(records[i] === before?.record).toBe(unchanged);
          });
          last = new Map(rows.flatMap((r, i) => (r.inode ? [[r.inode, { row: r, record: records[i]! }]] : [])));
        }
      }),
      runs(400),
    );
  });

  it("finds a socket however far it moved in the table, and counts what it gave again", () => {
    const reuse = new RecordReuse();
    const rows = Array.from({ length: 100 }, (_, i): ProcRow => ({
      proto: "tcp", family: "ipv4", localAddress: "127.0.0.1", localPort: 1000 + i, remoteAddress: "127.0.0.1", remotePort: 80, state: "ESTABLISHED",
      recvQ: 0, sendQ: 0, uid: 0, user: "root", inode: 500 + i, timerKind: null, expiresInMs: 0, retransmits: 0,
    }));
    const first = read(reuse, rows);
    // Moved by more than the cursor looks ahead: the last half first.
    const moved = [...rows.slice(50), ...rows.slice(0, 50)];
    const again = read(reuse, moved);
    expect(reuse.reused).toBe(100);
    again.forEach((r, i) => expect(r).toBe(first[(i + 50) % 100]));
  });
});
