import { readLineChunks } from "./read-lines.js";

/**
 * Reading /proc/net tables in a thread of their own, ahead of the parse.
 *
 * At 100k sockets most of a listing's time is the kernel printing the tables: `read()` of
 * /proc/net/tcp costs some 135 ms and of tcp6 55 ms on this project's 2-core machine, time
 * in which a single thread parses nothing. While this thread reads and parses the first
 * table, a reader thread reads the others in pieces of whole lines and hands each piece over
 * (transferred, not copied); they are parsed when their turn comes.
 *
 *   const [tcp6, udp] = await readAhead(["/proc/net/tcp6", "/proc/net/udp"]); // the thread starts now
 *   ...                                              // read and parse /proc/net/tcp here
 *   for (let piece = await tcp6.next(); piece; piece = await tcp6.next()) parser.push(piece.bytes, piece.length);
 *   tcp6.found                                       // false when the file does not exist
 *
 * The reader is a few lines of plain JavaScript evaluated in the worker, so it runs the
 * same from the bundle and from the TypeScript sources (tests). If the thread cannot start,
 * the tables are read in this thread instead.
 */

/** Bytes handed over at a time: about 1,700 rows of /proc/net/tcp. */
const PIECE = 1 << 18;

// workerData: { paths, piece }. For each path in turn: { table, bytes: ArrayBuffer, length }
// for each piece of whole lines, then { table, end: true } (or { table, missing: true } for
// ENOENT, or { table, error, code }, after which the reader stops).
const READER = `(() => {
const { closeSync, openSync, readSync } = require("node:fs");
const { parentPort, workerData } = require("node:worker_threads");
const { paths, piece } = workerData;
for (const [table, path] of paths.entries()) {
  let fd;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    if (error.code !== "ENOENT") return parentPort.postMessage({ table, error: error.message, code: error.code });
    parentPort.postMessage({ table, missing: true });
    continue;
  }
  try {
    let b = Buffer.allocUnsafe(piece);
    let n = 0;
    for (;;) {
      const got = readSync(fd, b, n, b.length - n, null);
      n += got;
      if (got > 0 && b.length - n >= 8192) continue;
      const end = got === 0 ? n : b.lastIndexOf(10, n - 1) + 1;
      const next = Buffer.allocUnsafe(end === 0 && got > 0 ? b.length * 2 : piece);
      b.copy(next, 0, end, n);
      if (end > 0) parentPort.postMessage({ table, bytes: b.buffer, length: end }, [b.buffer]);
      n -= end;
      b = next;
      if (got === 0) break;
    }
    parentPort.postMessage({ table, end: true });
  } catch (error) {
    return parentPort.postMessage({ table, error: error.message, code: error.code });
  } finally {
    closeSync(fd);
  }
}
})();
`;

type Message = { table: number } & ({ bytes: ArrayBuffer; length: number } | { end: true } | { missing: true } | { error: string; code?: string });

export interface AheadRead {
  /** The next piece of whole lines, or null when the file is read (or missing). An error reading it throws. */
  next(): Promise<{ bytes: Buffer; length: number } | null>;
  /** After the last piece: whether the file existed. */
  readonly found: boolean;
}

/** One reader thread for the files, in order; a read for each. */
export async function readAhead(paths: readonly string[]): Promise<AheadRead[]> {
  if (paths.length === 0) return [];
  const { Worker } = await import("node:worker_threads"); // only big tables get here
  const queues: Message[][] = paths.map(() => []);
  let wake: (() => void) | undefined;
  let failed: Error | undefined;
  let worker: InstanceType<typeof Worker>;
  try {
    worker = new Worker(READER, { eval: true, workerData: { paths, piece: PIECE }, resourceLimits: { maxYoungGenerationSizeMb: 1, stackSizeMb: 1 } });
  } catch {
    return paths.map(readHere);
  }
  worker.on("message", (m: Message) => {
    queues[m.table]!.push(m);
    wake?.();
  });
  worker.on("error", (error) => {
    failed = error;
    wake?.();
  });

  return paths.map((path, table) => {
    const queue = queues[table]!;
    let found = true;
    let pieces = 0;
    let fallback: AheadRead | undefined; // the thread died before it read this file: read it here
    const next = async (): Promise<{ bytes: Buffer; length: number } | null> => {
      if (fallback) {
        const piece = await fallback.next();
        found = fallback.found;
        return piece;
      }
      while (queue.length === 0 && !failed) await new Promise<void>((resolve) => (wake = resolve));
      const m = queue.shift();
      if (!m) {
        if (pieces > 0) throw failed;
        fallback = readHere(path);
        return next();
      }
      if ("bytes" in m) {
        pieces++;
        return { bytes: Buffer.from(m.bytes, 0, m.length), length: m.length };
      }
      if ("error" in m) throw Object.assign(new Error(m.error), { code: m.code });
      if ("missing" in m) found = false;
      return null;
    };
    return {
      next,
      get found() {
        return found;
      },
    };
  });
}

/** The same interface over a read in this thread. */
function readHere(path: string): AheadRead {
  const pieces: Array<{ bytes: Buffer; length: number }> = [];
  const buffer = { bytes: Buffer.allocUnsafe(PIECE) };
  const found = readLineChunks(path, buffer, (b, length) => pieces.push({ bytes: Buffer.from(b.subarray(0, length)), length }));
  return { found, next: async () => pieces.shift() ?? null };
}
