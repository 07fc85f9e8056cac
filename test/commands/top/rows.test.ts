import { describe, expect, it } from "vitest";
import { RateBook, type InfoReading } from "../../../src/commands/top/rates.js";
import { MARK_REFRESHES, RowBook } from "../../../src/commands/top/rows.js";
import type { TopRow } from "../../../src/commands/top/view.js";
import { SocketTracker } from "../../../src/lib/watch-diff.js";
import type { SocketRecord, TcpInfo } from "../../../src/model/socket.js";
import { emptyInfo } from "../../../src/sources/linux-ss/parse-ss-info.js";

/**
 * RowBook gives a socket the row it had at the last refresh when nothing that row shows has
 * changed (a steady table makes no new rows), and a new row as soon as anything has: its mark,
 * its rates, its record.
 */
const socket = (inode: number, port: number): SocketRecord => ({
  proto: "tcp", family: "ipv4", localAddress: "127.0.0.1", localPort: port, remoteAddress: "127.0.0.1", remotePort: 80, state: "ESTABLISHED",
  recvQ: 0, sendQ: 0, pid: 7, process: "app", uid: 0, user: "root", inode, timer: null,
});

function bytes(counters: Record<number, [number, number]>): InfoReading {
  const infos = new Map<number, TcpInfo>();
  for (const [inode, [acked, received]] of Object.entries(counters)) infos.set(Number(inode), { ...emptyInfo("ss"), bytesAcked: acked, bytesReceived: received });
  return { get: (inode) => infos.get(inode), inodes: () => infos.keys() };
}

const shown = (rows: TopRow[]) => rows.map((r) => [r.record.localPort, r.mark, r.sentBps]);

describe("RowBook from one refresh to the next", () => {
  it("keeps a row while it shows the same, and makes one when its mark, rate or record changes", async () => {
    const tracker = new SocketTracker();
    const book = new RowBook();
    const screenRates = new RateBook();
    const allRates = new RateBook();
    const refresh = (records: SocketRecord[], time: number) => book.update(tracker.update(records, time), { screenRates, allRates, info: null, pending: null });
    const a = socket(11, 1001);
    const b = socket(12, 1002);
    const first = await refresh([a, b], 0);
    expect(shown(first)).toEqual([[1001, null, null], [1002, null, null]]);
    const second = await refresh([b, a], 1000);
    expect(second[0]).toBe(first[0]);
    expect(second[1]).toBe(first[1]);

    // A new socket: green for a few refreshes, then plain, each a row of its own.
    const c = socket(13, 1003);
    let rows = await refresh([a, b, c], 2000);
    expect(shown(rows)).toEqual([[1001, null, null], [1002, null, null], [1003, "new", null]]);
    const green = rows[2];
    for (let k = 1; k < MARK_REFRESHES; k++) rows = await refresh([a, b, c], 2000 + 1000 * k);
    expect(rows[2]).toBe(green);
    rows = await refresh([a, b, c], 9000);
    expect(shown(rows)[2]).toEqual([1003, null, null]);
    expect(rows[2]).not.toBe(green);

    // b's bytes move: its row changes, a's stays.
    await allRates.take(bytes({ 11: [0, 0], 12: [0, 0] }), 8000, true);
    await allRates.take(bytes({ 11: [0, 0], 12: [0, 0] }), 9000, true);
    const before = await refresh([a, b, c], 9500);
    await allRates.take(bytes({ 11: [0, 0], 12: [4000, 0] }), 10_000, true);
    rows = await refresh([a, b, c], 10_500);
    expect(shown(rows)).toEqual([[1001, null, 0], [1002, null, 4000], [1003, null, null]]);
    expect(rows[0]).toBe(before[0]);
    expect(rows[1]).not.toBe(before[1]);
    expect(rows[2]).toBe(before[2]);

    // A new record for a (its queue moved): a new row; b closed: red, a row of its own.
    const a2 = { ...a, sendQ: 5 };
    rows = await refresh([a2, c], 11_000);
    expect(rows.map((r) => [r.record, r.mark])).toEqual([[a2, null], [c, null], [b, "gone"]]);
    expect(rows[0]).not.toBe(before[0]);
  });
});
