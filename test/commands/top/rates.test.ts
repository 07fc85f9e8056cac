import { describe, expect, it } from "vitest";
import type { TcpInfo } from "../../../src/model/socket.js";
import { RateBook, type InfoReading } from "../../../src/commands/top/rates.js";
import { emptyInfo } from "../../../src/sources/linux-ss/parse-ss-info.js";

/** A reading of tcp_info: inode -> [bytes acknowledged, bytes received]. */
function reading(counters: Record<number, [number, number] | null>): InfoReading {
  const infos = new Map<number, TcpInfo>();
  for (const [inode, c] of Object.entries(counters)) infos.set(Number(inode), { ...emptyInfo("ss"), bytesAcked: c?.[0] ?? null, bytesReceived: c?.[1] ?? null });
  return { get: (inode) => infos.get(inode), inodes: () => infos.keys() };
}

describe("RateBook: bytes a second between two readings of a socket", () => {
  it("has no rate after one reading, then the change over the time between", async () => {
    const book = new RateBook();
    await book.take(reading({ 7: [1000, 50] }), 10_000, true);
    expect(book.of(7)).toMatchObject({ sentBps: null, recvBps: null });
    await book.take(reading({ 7: [5000, 250] }), 12_000, true);
    expect(book.of(7)).toMatchObject({ sentBps: 2000, recvBps: 100 });
  });

  it("a counter that went back (another socket on a reused inode) gives no rate", async () => {
    const book = new RateBook();
    await book.take(reading({ 7: [5000, 0] }), 0, true);
    await book.take(reading({ 7: [100, 0] }), 1000, true);
    expect(book.of(7)).toMatchObject({ sentBps: null });
  });

  it("a reading of every socket drops those it lacks; one of some keeps those of the one before", async () => {
    const all = new RateBook();
    await all.take(reading({ 1: [0, 0], 2: [0, 0] }), 0, true);
    await all.take(reading({ 1: [10, 0] }), 1000, true);
    expect(all.of(2)).toBeUndefined();
    expect(all.of(1)).toMatchObject({ sentBps: 10 });

    const screen = new RateBook();
    await screen.take(reading({ 1: [0, 0], 2: [0, 0] }), 0, false);
    await screen.take(reading({ 1: [10, 0] }), 1000, false);
    expect(screen.of(2)).toBeDefined(); // read by the reading before
    await screen.take(reading({ 1: [20, 0] }), 2000, false);
    expect(screen.of(2)).toBeUndefined(); // in neither of the last two
    expect(screen.of(1)).toMatchObject({ sentBps: 10 });
  });

  it("a socket without the counters (ss printed none) keeps what it had", async () => {
    const book = new RateBook();
    await book.take(reading({ 3: [0, 0] }), 0, false);
    await book.take(reading({ 3: null }), 1000, false);
    expect(book.of(3)).toMatchObject({ sent: 0, time: 0 });
  });
});
