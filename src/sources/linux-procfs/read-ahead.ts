import { closeSync, openSync, readSync } from "node:fs";
import { createRequire } from "node:module";
import { LineChunks } from "./read-lines.js";
import { END, FAILED, FREE, GO_ON, HERE, LINES, MISSING, OPEN_IT, READ, STARTING, TAKEN, readerSource, type ReaderData } from "./read-ahead-thread.js";

/**
 * Reading /proc/net tables in a thread of their own, ahead of the parse.
 *
 * At 100k sockets most of a listing's time is the kernel printing the tables in `read()` of
 * /proc/net/tcp and tcp6 (BENCHMARKS.md, issue 15), time
 * in which a single thread parses nothing. A reader thread reads the first table into the
 * slots of a shared buffer, whole lines in each, and this thread parses each slot as it
 * fills, so the kernel prints rows on the other core while the ones before them are parsed.
 *
 *   const [tcp, tcp6] = await readAhead(["/proc/net/tcp", "/proc/net/tcp6"]); // the thread starts now
 *   for (let piece = await tcp.next(); piece; piece = await tcp.next()) parser.push(piece.bytes, piece.length);
 *   tcp.found                                 // false when the file does not exist
 *
 * A thread is slow to start (same section). Meanwhile this thread reads the other tables (tcp6:
 * the kernel prints both at once, on both cores; up to 8 MiB of them, the rest when their
 * turn comes), and then the first table until the thread is up, when it hands the open
 * file over and the thread reads on from there. A thread up before that reads the first
 * table from its start. Pieces read here come first.
 *
 * A piece is valid until the next call to next(): then its slot goes back to the reader.
 * The slots are shared memory (SharedArrayBuffer), not messages: handing over new buffers
 * as messages cost this thread garbage collection (BENCHMARKS.md, issue 15). The reader is a few
 * lines evaluated in the worker from their source (read-ahead-thread.ts); if the thread
 * cannot start, the tables are read in this thread instead.
 */

/** Slots and their size: the reader runs at most 8 MiB (about 50,000 rows) ahead. */
const SLOTS = 32;
const SLOT = 1 << 18;

export interface AheadRead {
  /** The next piece of whole lines (valid until the next call), or null when the file is read or missing. A read error throws. */
  next(): Promise<{ bytes: Buffer; length: number } | null>;
  /** After the last piece: whether the file existed. */
  readonly found: boolean;
  /** Ends the reading: its reader thread, or the file this thread reads (both end by themselves at the end). */
  stop(): void;
  /** Lets the reader thread keep the process alive until it is done (an early read, once taken). */
  keep(): void;
}

/**
 * One reader thread for the files, in order; a read for each, to be drained in order. With
 * `untilTaken` (a read begun before the CLI loaded, head-start.ts), the thread keeps nobody
 * alive until keep(): a run that never reads sockets (a usage error) ends as it would have.
 */
export function readAhead(paths: readonly string[], { untilTaken = false, pace }: { untilTaken?: boolean; pace?: Pace } = {}): AheadRead[] {
  return startReader(paths, untilTaken, pace);
}

/**
 * Awaited (when it gives a promise) while this thread reads ahead: after each piece of a later
 * table, and every HERE_TURN_MS of the first. A live screen (`top`) answers keys between them;
 * unpaced, 20k rows of tcp6 read ahead held them for 70-110 ms (BENCHMARKS.md, issue 20).
 */
export type Pace = () => Promise<void> | undefined;
const HERE_TURN_MS = 15;

function startReader(paths: readonly string[], unref: boolean, pace?: Pace): AheadRead[] {
  if (paths.length === 0) return [];
  // Only big tables get here: loaded now, and at once (an import would wait for a later turn).
  const { Worker } = createRequire(import.meta.url)("node:worker_threads") as typeof import("node:worker_threads");
  const control = new SharedArrayBuffer(4 * (3 * SLOTS + 2));
  const bytes = new SharedArrayBuffer(SLOTS * SLOT);
  const ctl = new Int32Array(control);
  let worker: InstanceType<typeof Worker>;
  try {
    const workerData: ReaderData = { paths: paths.slice(0, 1), control, bytes, slots: SLOTS, slot: SLOT };
    worker = new Worker(readerSource(), {
      eval: true,
      workerData,
      resourceLimits: { maxYoungGenerationSizeMb: 1, stackSizeMb: 1 },
      // It closes the descriptor handed over to it, which it did not open.
      trackUnmanagedFds: false,
    });
  } catch {
    return paths.map((path) => readHere(path));
  }
  if (unref) worker.unref();
  const later = paths.slice(1).map((path) => readHere(path, SLOTS * SLOT, pace));
  const reading = readUntilUp(paths[0]!, ctl, 3 * SLOTS, pace);
  let readError: Error | undefined; // a read failed: its slot says FAILED
  let died: Error | undefined; // the thread itself failed
  let wake: (() => void) | undefined;
  worker.on("message", (m: { error: string; code?: string }) => {
    readError = Object.assign(new Error(m.error), { code: m.code });
    wake?.();
  });
  worker.on("error", (error) => {
    died = error;
    wake?.();
  });

  let k = 0; // the next slot to take
  let held = -1; // the slot of the piece last handed out
  const slotView = (i: number, length: number) => Buffer.from(bytes, i * SLOT, length);
  /** The next filled slot's state and table, once the reader has filled it (or failed). */
  const filled = async (): Promise<number> => {
    for (;;) {
      const state = Atomics.load(ctl, 3 * k);
      if (state !== FREE) return state;
      if (died) return FAILED;
      const wait = (Atomics as unknown as WaitAsync).waitAsync(ctl, 3 * k, FREE);
      if (wait.async) await Promise.race([wait.value, new Promise<void>((resolve) => (wake = resolve))]);
    }
  };
  const release = () => {
    if (held < 0) return;
    Atomics.store(ctl, 3 * held, FREE);
    Atomics.notify(ctl, 3 * held);
    held = -1;
  };

  const path = paths[0]!;
  let found = true;
  let pieces = 0;
  let fallback: AheadRead | undefined; // the thread died before it read the file: read it here
  const next = async (): Promise<{ bytes: Buffer; length: number } | null> => {
    release();
    const first = await reading;
    const piece = first.pieces.shift();
    if (piece) {
      pieces++;
      return piece;
    }
    if (first.state === READ) return null;
    if (fallback) {
      const piece = await fallback.next();
      found = fallback.found;
      return piece;
    }
    const state = await filled();
    if (state === FAILED && died) {
      if (pieces > 0) throw died;
      fallback = readHere(path);
      return next();
    }
    if (state === FAILED) {
      // The message naming the error may come just after the slot.
      while (!readError && !died) await new Promise<void>((resolve) => (wake = resolve));
      throw readError ?? died;
    }
    const length = ctl[3 * k + 1]!;
    held = k;
    k = (k + 1) % SLOTS;
    if (state === LINES) {
      pieces++;
      return { bytes: slotView(held, length), length };
    }
    release();
    if (state === MISSING) found = false;
    return null;
  };
  const read: AheadRead = {
    next,
    get found() {
      return found;
    },
    stop: () => void worker.terminate(),
    keep: () => void worker.ref(),
  };
  return [read, ...later];
}

/**
 * Reads the first table here until the reader thread is up, unless it has TAKEN it already;
 * then hands the file over (at a line's start), or says it is READ to its end, or, if it
 * cannot be read here, tells the thread to OPEN_IT (which says why, as for the others).
 */
async function readUntilUp(path: string, ctl: Int32Array, at: number, pace?: Pace): Promise<{ pieces: Array<{ bytes: Buffer; length: number }>; state: number }> {
  const pieces: Array<{ bytes: Buffer; length: number }> = [];
  if (Atomics.compareExchange(ctl, at, STARTING, HERE) !== STARTING) return { pieces, state: TAKEN };
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    Atomics.store(ctl, at, OPEN_IT);
    Atomics.notify(ctl, at);
    return { pieces, state: OPEN_IT };
  }
  let state = GO_ON;
  try {
    let b = Buffer.allocUnsafe(SLOT);
    let n = 0;
    let since = performance.now();
    // A read of /proc gives whole lines when it has a page to fill: each read gets more, and
    // the thread takes over only after a line's end.
    while (Atomics.load(ctl, at) === HERE || (n > 0 && b[n - 1] !== LF)) {
      if (SLOT - n < READ_ROOM) {
        const end = b.lastIndexOf(LF, n - 1) + 1;
        if (end === 0) throw new Error(`${path}: a line longer than ${SLOT - READ_ROOM} bytes`);
        pieces.push({ bytes: b, length: end });
        const rest = b.subarray(end, n);
        b = Buffer.allocUnsafe(SLOT);
        n = rest.copy(b);
      }
      const got = readSync(fd, b, n, SLOT - n, null);
      if (got === 0) {
        state = READ;
        break;
      }
      n += got;
      if (pace && performance.now() - since >= HERE_TURN_MS) {
        const behind = pace();
        if (behind) await behind;
        since = performance.now();
      }
    }
    if (n > 0) pieces.push({ bytes: b, length: n });
  } catch {
    // Reading here failed: the thread reads the file again from its start (and says why).
    pieces.length = 0;
    state = OPEN_IT;
  }
  if (state === GO_ON) ctl[at + 1] = fd;
  else closeSync(fd);
  Atomics.store(ctl, at, state);
  Atomics.notify(ctl, at);
  return { pieces, state };
}

/** Room left for one read here: well over the page a read of /proc fills. */
const READ_ROOM = 1 << 16;
const LF = 0x0a;

/** Atomics.waitAsync (Node 16 and newer), not yet in TypeScript's ES2022 library. */
interface WaitAsync {
  waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}

/**
 * The same interface over a read in this thread: the first `eager` bytes now (kept whole,
 * copied; an error meanwhile is thrown when its turn comes, as a read in order would; `pace`
 * after each piece), the rest when asked for, a chunk at a time, so memory stays bounded
 * however big the file.
 */
function readHere(path: string, eager = 0, pace?: Pace): AheadRead {
  const pieces: Array<{ bytes: Buffer; length: number }> = [];
  let chunks: LineChunks | undefined;
  let error: unknown = null;
  try {
    chunks = new LineChunks(path, { bytes: Buffer.allocUnsafe(SLOT) });
  } catch (e) {
    error = e;
  }
  // Unpaced, or paced by a reader that is not behind, all of it before this returns.
  const ahead = (async () => {
    try {
      for (let read = 0; chunks && read < eager; ) {
        const piece = chunks.next();
        if (!piece) break;
        pieces.push({ bytes: Buffer.from(piece.bytes.subarray(0, piece.length)), length: piece.length });
        read += piece.length;
        const behind = pace?.();
        if (behind) await behind;
      }
    } catch (e) {
      error = e;
    }
  })();
  const next = async () => {
    await ahead;
    const piece = pieces.shift();
    if (piece) return piece;
    if (error !== null) throw error;
    return chunks?.next() ?? null;
  };
  return { found: chunks?.found ?? false, next, stop: () => chunks?.close(), keep: () => {} };
}
