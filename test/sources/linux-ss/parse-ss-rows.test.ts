import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { INFO_COLUMNS } from "../../../src/format/table.js";
import { rowRecord } from "../../../src/model/socket-row.js";
import type { SocketRecord, TcpInfo } from "../../../src/model/socket.js";
import { ProcNetParser } from "../../../src/sources/linux-procfs/parse-proc-net.js";
import { SsInfoStore } from "../../../src/sources/linux-ss/parse-ss-info.js";
import { SsRowReader } from "../../../src/sources/linux-ss/parse-ss-rows.js";
import { runs } from "../../property/harness.js";

/**
 * -i's table without owners reads ss alone (parse-ss-rows.ts): its rows must be the records
 * /proc/net/tcp gives the plain listing, and its -i cells what the tcp_info store gives the
 * other routes. One set of sockets seen both ways at once (ss-rows/README.md).
 */

const at = (name: string) => readFileSync(new URL(`./ss-rows/${name}`, import.meta.url));
const SS = at("ss-tainHOe.txt");
/** The same sockets without -e, as -i's table reads them (collect-rows.ts). */
const SS_PLAIN = at("ss-tainHO.txt");

interface Read {
  record: SocketRecord;
  cells: string[];
}

/** The capture through SsRowReader, cut into pieces at `cuts` (byte offsets). */
function readSs(bytes: Buffer, cuts: number[] = [], extended = true): { rows: Read[]; problems: number } {
  const rows: Read[] = [];
  const reader = new SsRowReader({
    extended,
    onRow: (row, info) => rows.push({ record: rowRecord(row), cells: INFO_COLUMNS.map(([, text]) => text(info)) }),
  });
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    reader.push(bytes.subarray(from, cut));
    from = cut;
  }
  reader.push(bytes.subarray(from));
  reader.end();
  return { rows, problems: reader.problems.length };
}

const key = (r: SocketRecord) => `${r.family} ${r.localAddress}:${r.localPort} ${r.remoteAddress}:${r.remotePort}`;

function procRecords(): Map<string, SocketRecord> {
  const out = new Map<string, SocketRecord>();
  for (const file of ["proc-net-tcp", "proc-net-tcp6"]) {
    const bytes = at(file);
    new ProcNetParser({ proto: "tcp", onRecord: (r) => out.set(key(r), r) }).push(bytes, bytes.length);
  }
  return out;
}

describe("SsRowReader: ss -tainHOe as the listing's rows", () => {
  it("reads every socket /proc/net/tcp and tcp6 hold, each field equal", () => {
    const { rows, problems } = readSs(SS);
    const proc = procRecords();
    expect(problems).toBe(0);
    expect(rows).toHaveLength(proc.size);
    expect(proc.size).toBe(21);
    for (const { record } of rows) {
      const expected = proc.get(key(record));
      expect(expected, key(record)).toBeDefined();
      // ss rounds its timers: the route takes none (a listing with -o reads /proc).
      expect(record, key(record)).toEqual({ ...expected, timer: null });
    }
    const states = new Set(rows.map((r) => r.record.state));
    expect([...states].sort()).toEqual(["CLOSE_WAIT", "ESTABLISHED", "FIN_WAIT2", "LISTEN", "TIME_WAIT"]);
  });

  it("gives the -i cells the tcp_info store gives, shut sockets (-->, <--) included", () => {
    const store = new SsInfoStore("ss -tainHOe");
    for (const line of SS.toString("latin1").split("\n")) store.line(line);
    expect(store.problems).toEqual([]);
    const { rows } = readSs(SS);
    let withInfo = 0;
    for (const { record, cells } of rows) {
      const info: TcpInfo | null = record.inode === null ? null : (store.get(record.inode) ?? null);
      expect(cells, key(record)).toEqual(INFO_COLUMNS.map(([, text]) => text(info)));
      if (info !== null) withInfo++;
    }
    // Every socket but the TIME-WAIT, CLOSE-WAIT and FIN-WAIT-2 too.
    expect(withInfo).toBe(20);
    const shut = rows.filter((r) => r.record.state === "CLOSE_WAIT" || r.record.state === "FIN_WAIT2");
    expect(shut).toHaveLength(4);
    for (const { cells } of shut) expect(cells[0]).not.toBe("-");
  });

  it("reads the same whatever pieces ss's output comes in", () => {
    const whole = readSs(SS).rows;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: SS.length }), { maxLength: 40 }), (cuts) => {
        expect(readSs(SS, cuts).rows).toEqual(whole);
      }),
      runs(200),
    );
  });

  it("without -e: the same rows but uid and inode, unknown (null), and the same -i cells", () => {
    const withE = new Map(readSs(SS).rows.map((r) => [key(r.record), r]));
    const { rows, problems } = readSs(SS_PLAIN, [], false);
    expect(problems).toBe(0);
    expect(rows).toHaveLength(withE.size);
    for (const { record, cells } of rows) {
      const other = withE.get(key(record))!;
      expect(other, key(record)).toBeDefined();
      expect(record, key(record)).toEqual({ ...other.record, uid: null, inode: null });
      // No data flowed between the two reads of the capture: every cell equal but the idle
      // time, later in the second read by the time between them.
      const idle = INFO_COLUMNS.findIndex(([head]) => head.startsWith("Idle"));
      expect(cells.filter((_, c) => c !== idle), key(record)).toEqual(other.cells.filter((_, c) => c !== idle));
      if (other.cells[idle] !== "-") expect(Number(cells[idle]) - Number(other.cells[idle]), key(record)).toSatisfy((d: number) => d >= 0 && d < 1000);
      else expect(cells[idle]).toBe("-");
    }
  });

  it("without -e, reads the same whatever pieces ss's output comes in", () => {
    const whole = readSs(SS_PLAIN, [], false).rows;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: SS_PLAIN.length }), { maxLength: 40 }), (cuts) => {
        expect(readSs(SS_PLAIN, cuts, false).rows).toEqual(whole);
      }),
      runs(100),
    );
  });

  it("counts a line it cannot read, with its number, and goes on", () => {
    const text = Buffer.from(`ESTAB 0 0 127.0.0.1:1 127.0.0.1:2 ino:5 <-> cwnd:3\nnonsense here\nESTAB x 0 1.2.3.4:5 6.7.8.9:10\n`);
    const rows: SocketRecord[] = [];
    const reader = new SsRowReader({ onRow: (row) => rows.push(rowRecord(row)) });
    reader.push(text);
    reader.end();
    expect(rows).toHaveLength(1);
    expect(reader.problems.map((p) => [p.line, p.reason])).toEqual([
      [2, "expected an ss state (ESTAB, LISTEN, ...) first"],
      [3, "expected State Recv-Q Send-Q Local:Port Peer:Port"],
    ]);
  });
});
