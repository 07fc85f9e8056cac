import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { END, FAILED, FREE, LINES, MISSING, STARTING, readerSource, type ReaderData } from "../../../src/sources/linux-procfs/read-ahead-thread.js";

/**
 * The reader thread of read-ahead.ts on its own, run from its source text as read-ahead.ts
 * runs it: it must start (it sees nothing of its module), read each table into the slots in
 * whole lines, round the ring, and mark each table's end, absence or failure. (Through
 * readTablesAhead, a thread that failed to start would go unseen: the tables are then read
 * in the main thread, with the same records.)
 */
const SLOTS = 4;
const SLOT = 1 << 16;

const dir = mkdtempSync(join(tmpdir(), "tcpstat-reader-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Atomics.waitAsync (Node 16 and newer), not yet in TypeScript's ES2023 library. */
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, ms: number): { value: Promise<string> | string } }).waitAsync;

/** The marks that end each table, in order; the pieces of each table's LINES slots. */
async function runReader(paths: string[]): Promise<{ marks: number[]; pieces: string[][]; messages: unknown[] }> {
  const control = new SharedArrayBuffer(4 * (3 * SLOTS + 2));
  const bytes = new SharedArrayBuffer(SLOTS * SLOT);
  const ctl = new Int32Array(control);
  Atomics.store(ctl, 3 * SLOTS, STARTING); // the thread takes the first table from its start
  const workerData: ReaderData = { paths, control, bytes, slots: SLOTS, slot: SLOT };
  const worker = new Worker(readerSource(), { eval: true, workerData });
  const messages: unknown[] = [];
  const failed = new Promise<never>((_, reject) => worker.once("error", reject));
  worker.on("message", (m) => messages.push(m));
  const exited = new Promise((resolve) => worker.once("exit", resolve));
  const marks: number[] = [];
  const pieces = paths.map((): string[] => []);
  try {
    for (let k = 0, ended = 0; ended < paths.length; k = (k + 1) % SLOTS) {
      // Waits in steps, so that a thread that failed to start is reported, not waited for.
      while (Atomics.load(ctl, 3 * k) === FREE) await Promise.race([failed, waitAsync(ctl, 3 * k, FREE, 50).value]);
      const state = Atomics.load(ctl, 3 * k);
      const table = ctl[3 * k + 2]!;
      if (state === LINES) pieces[table]!.push(Buffer.from(bytes, k * SLOT, ctl[3 * k + 1]!).toString("latin1"));
      else {
        marks.push(state);
        ended++;
      }
      Atomics.store(ctl, 3 * k, FREE);
      Atomics.notify(ctl, 3 * k);
    }
    await exited;
  } finally {
    await worker.terminate();
  }
  return { marks, pieces, messages };
}

describe("the read-ahead thread, from its source", () => {
  const lines = Array.from({ length: 4000 }, (_, i) => `${String(i).padStart(5)}: ${"0123456789ABCDEF".repeat(4)}`);
  const big = `${lines.join("\n")}\n`; // about 4 slots: the ring goes round
  writeFileSync(join(dir, "tcp"), big);
  writeFileSync(join(dir, "udp"), "a\nlast line, no newline");
  mkdirSync(join(dir, "not-a-file"));

  it("reads each table in whole lines, round the slots, and marks its end", async () => {
    expect(big.length).toBeGreaterThan(3 * SLOT);
    const { marks, pieces } = await runReader([join(dir, "tcp"), join(dir, "udp")]);
    expect(marks).toEqual([END, END]);
    expect(pieces[0]!.length).toBeGreaterThan(SLOTS);
    for (const piece of pieces[0]!) expect(piece.endsWith("\n"), "a slot holds whole lines").toBe(true);
    expect(pieces[0]!.join("")).toBe(big);
    expect(pieces[1]!.join("")).toBe("a\nlast line, no newline");
  });

  it("marks a missing table, and a failed one with its error as a message", async () => {
    const { marks, pieces, messages } = await runReader([join(dir, "missing"), join(dir, "udp"), join(dir, "not-a-file")]);
    expect(marks).toEqual([MISSING, END, FAILED]);
    expect(pieces[1]!.join("")).toBe("a\nlast line, no newline");
    expect(messages).toEqual([expect.objectContaining({ table: 2, code: "EISDIR" })]);
  });
});
