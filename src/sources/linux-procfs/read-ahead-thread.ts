/**
 * The reader thread of read-ahead.ts: reads the tables, in order, into the slots of a shared
 * buffer, whole lines in each, while the main thread parses the slots already filled.
 *
 * It runs from its source text (`new Worker(readerSource(), { eval: true })`), so that it
 * starts as fast as a few lines can and runs the same from the bundle and from the
 * TypeScript sources (tests). The function is checked like any other, but it sees nothing
 * of this module when it runs: everything it uses comes in through its parameters.
 */

/** What the thread is given (workerData). */
export interface ReaderData {
  paths: readonly string[];
  /** Per slot k, three Int32 at 3k (state, byte length, table index), then two for the first table's hand-over. */
  control: SharedArrayBuffer;
  bytes: SharedArrayBuffer;
  slots: number;
  slot: number;
}

// Per slot k, three Int32 in `control` at 3k: state (FREE, or what the slot holds), byte
// length, table index. The reader fills slots 0, 1, 2, ... round and round, waiting for a
// slot to be FREE; the reading side takes them in the same order and frees each.
export const FREE = 0;
export const LINES = 1; // whole lines of the table
export const END = 2; // the table is read
export const MISSING = 3; // ENOENT
export const FAILED = 4; // a read error, sent as a message: { table, error, code }

// Who reads the first table, two Int32 after the slots': a state, and a file descriptor.
// From STARTING, the reader TAKES it (up first) or the main thread reads it (HERE); then the
// reader, once UP, waits for one of the last three.
export const STARTING = 0;
export const TAKEN = 1; // the reader reads table 0 from its start
export const HERE = 2; // the main thread is reading table 0
export const UP = 3;
export const GO_ON = 4; // read table 0 on from the descriptor (at a line's start)
export const READ = 5; // table 0 was read to its end by the main thread
export const OPEN_IT = 6; // table 0 could not be read there: open it as the others

const CODES = { FREE, LINES, END, MISSING, FAILED, STARTING, TAKEN, HERE, UP, GO_ON, READ, OPEN_IT };

/** The thread's code, given what it needs: run as `(readerThread)(fs, threads, codes)`. */
function readerThread(fs: typeof import("node:fs"), threads: typeof import("node:worker_threads"), codes: typeof CODES): void {
  const { FREE, LINES, END, MISSING, FAILED, STARTING, TAKEN, HERE, UP, GO_ON, READ } = codes;
  const { paths, control, bytes, slots, slot } = threads.workerData as ReaderData;
  const ctl = new Int32Array(control);
  const mem = new Uint8Array(bytes);
  const H = 3 * slots; // who reads table 0
  let handed = Atomics.compareExchange(ctl, H, STARTING, TAKEN);
  if (handed !== STARTING) {
    Atomics.compareExchange(ctl, H, HERE, UP);
    Atomics.notify(ctl, H);
    for (let s; (s = Atomics.load(ctl, H)) === UP || s === HERE; ) Atomics.wait(ctl, H, s);
    handed = Atomics.load(ctl, H);
  }
  let k = 0;
  const take = () => {
    for (let s; (s = Atomics.load(ctl, 3 * k)) !== FREE; ) Atomics.wait(ctl, 3 * k, s);
    return k * slot;
  };
  const put = (state: number, table: number, length: number) => {
    ctl[3 * k + 1] = length;
    ctl[3 * k + 2] = table;
    Atomics.store(ctl, 3 * k, state);
    Atomics.notify(ctl, 3 * k);
    k = (k + 1) % slots;
  };
  // A table's last slot: the end, or why there is none (a failure is also sent as a message).
  const mark = (state: number, table: number) => {
    take();
    put(state, table, 0);
  };
  const fail = (table: number, error: unknown) => {
    threads.parentPort!.postMessage({ table, error: (error as Error).message, code: (error as NodeJS.ErrnoException).code });
    mark(FAILED, table);
  };
  for (const [table, path] of paths.entries()) {
    if (table === 0 && handed === READ) continue;
    let fd = table === 0 && handed === GO_ON ? ctl[H + 1]! : -1;
    if (fd < 0) {
      try {
        fd = fs.openSync(path, "r");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") return fail(table, error);
        mark(MISSING, table);
        continue;
      }
    }
    try {
      let carry = Buffer.alloc(0); // the start of a line cut short by the last slot
      for (let done = false; !done; ) {
        const at = take();
        mem.set(carry, at);
        let n = carry.length;
        while (n < slot - 8192) {
          const got = fs.readSync(fd, mem, at + n, slot - n, null);
          if (got === 0) {
            done = true;
            break;
          }
          n += got;
        }
        let end = n;
        if (!done) {
          end = mem.lastIndexOf(10, at + n - 1) + 1 - at;
          if (end <= 0) throw new Error(`${path}: a line longer than ${slot} bytes`);
        }
        carry = Buffer.from(mem.subarray(at + end, at + n));
        put(LINES, table, end);
      }
      mark(END, table);
    } catch (error) {
      return fail(table, error);
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** The source text of the thread, for `new Worker(text, { eval: true })`. */
export const readerSource = (): string => `(${readerThread})(require("node:fs"), require("node:worker_threads"), ${JSON.stringify(CODES)});`;
