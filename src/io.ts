import type { ChalkInstance } from "chalk";
import { EXIT } from "./errors.js";
import { escapeControl } from "./lib/safe-text.js";

/**
 * The one module that writes to stdout and stderr. It decides colour once,
 * batches output, and ends the run quietly when the reader of a pipe goes away.
 */

export type ColorChoice = boolean | undefined;

/** Colour level: --color/--no-color, then FORCE_COLOR, then NO_COLOR, then "is stdout a terminal". */
function colorLevel(
  isTTY: boolean,
  env: NodeJS.ProcessEnv = process.env,
  choice: ColorChoice = undefined,
): 0 | 1 | 2 | 3 {
  if (choice === false) return 0;
  const force = env.FORCE_COLOR;
  if (choice === true) return force === "2" || force === "3" ? (Number(force) as 2 | 3) : Math.max(1, ttyDepth(env)) as 1 | 2 | 3;
  if (force !== undefined) {
    if (force === "0" || force === "false") return 0;
    if (force === "2" || force === "3") return Number(force) as 2 | 3;
    return 1;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return 0;
  if (!isTTY || env.TERM === "dumb") return 0;
  return ttyDepth(env);
}

function ttyDepth(env: NodeJS.ProcessEnv): 1 | 2 | 3 {
  if (env.COLORTERM === "truecolor" || env.COLORTERM === "24bit") return 3;
  if (env.TERM?.includes("256")) return 2;
  return 1;
}

/**
 * The painter for a colour level. Without colour (a pipe, a file, NO_COLOR: what scripts and
 * the benchmarks see) chalk is not even loaded: every style gives its text back as it is,
 * as chalk at level 0 does ("a", "b" joined by a space), chained or not (chalk.bold.red).
 */
async function makeChalk(level: 0 | 1 | 2 | 3): Promise<ChalkInstance> {
  if (level === 0) return PLAIN;
  const { Chalk } = await import("chalk");
  return new Chalk({ level });
}

/** The painter for stdout: --color/--no-color, then the environment, then whether stdout is a terminal (see colorLevel). */
export function stdoutChalk(choice: ColorChoice): Promise<ChalkInstance> {
  return makeChalk(colorLevel(Boolean(process.stdout.isTTY), process.env, choice));
}

const PLAIN: ChalkInstance = new Proxy(() => {}, {
  // Not a promise (await looks for .then): any other property is a style.
  get: (_target, key) => (key === "level" ? 0 : key === "then" ? undefined : PLAIN),
  apply: (_target, _this, texts: unknown[]) => texts.join(" "),
}) as unknown as ChalkInstance;

let pipeClosed = false;

/**
 * Quiet exit when stdout's reader is gone (`tcpstat | head -1`); any other failed write
 * (ENOSPC into a full disk or `> /dev/full`, EIO, EBADF) ends the run with one line and 1.
 */
function onStdoutError(error: NodeJS.ErrnoException): void {
  if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") {
    pipeClosed = true;
    process.exit(0);
  }
  pipeClosed = true;
  writeError(`tcpstat: ${writeFailure(error)}`);
  process.exit(EXIT.failure);
}
process.stdout.on("error", onStdoutError);

/** "cannot write the output: no space left on device (ENOSPC)", from "ENOSPC: no space left on device, write". */
export function writeFailure(error: NodeJS.ErrnoException): string {
  const why = error.message.replace(/^[A-Z]+: /, "").replace(/, write$/, "");
  return `cannot write the output: ${why}${error.code ? ` (${error.code})` : ""}`;
}

const FLUSH_AT = 1 << 16;

let writing = 0;
let terminated = false;

/**
 * SIGTERM while output is being written: the batch in flight (whole lines: renderers yield
 * whole records) is finished first, then the run ends with 143, so `--ndjson` never leaves
 * half a record behind. A command that handles SIGTERM itself (watch) is left to do so.
 */
function onTerminate(): void {
  // A command with its own SIGTERM handler (--watch restoring the terminal) owns the shutdown.
  if (process.listenerCount("SIGTERM") > 1) return;
  terminated = true;
  if (writing === 0) process.exit(EXIT.terminated);
}

/**
 * Writes chunks to stdout in batches of about 64 KiB; stops once the pipe is closed.
 * Chunks may come from a generator, so a big listing is never one big string. A renderer
 * that must load something first hands an async iterable (awaited per chunk, so its chunks
 * should be batches of lines); a plain iterable is read without an await per chunk.
 */
export async function writeChunks(chunks: Iterable<string> | AsyncIterable<string>): Promise<void> {
  process.on("SIGTERM", onTerminate);
  try {
    let buffer = "";
    const flush = async () => {
      const open = await write(buffer);
      buffer = "";
      // Let pending signals run between batches, never inside one.
      await new Promise((resolve) => setImmediate(resolve));
      return open;
    };
    if (Symbol.asyncIterator in chunks) {
      for await (const chunk of chunks) if ((buffer += chunk).length >= FLUSH_AT && !(await flush())) return;
    } else {
      for (const chunk of chunks) if ((buffer += chunk).length >= FLUSH_AT && !(await flush())) return;
    }
    if (buffer !== "") await write(buffer);
  } finally {
    await signalsDelivered();
    process.off("SIGTERM", onTerminate);
  }
}

/**
 * Past the event loop's next poll, so that a SIGTERM that came while the output was being
 * written is handed to onTerminate before the handler goes: libuv queues a signal for the
 * loop's next poll and drops it if its handler is removed first, and a run whose last
 * writes all went through at once (its reader caught up) ended with 0, everything
 * written, as if it had never been told to stop. Two immediates: the first may run in the
 * turn whose poll is already past (the writes were finished from inside it), the second
 * runs after the next poll.
 */
function signalsDelivered(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/**
 * Output made inside a synchronous callback (a listing written as the tables are parsed):
 * the same closed-pipe and SIGTERM handling as writeChunks, each batch whole records, a
 * SIGTERM ending the run between batches. Text and bytes go straight into a 64 KiB buffer,
 * so nothing per record outlives it. Into a slow pipe, the stream keeps what its reader has
 * not taken yet; the caller awaits drained() where it can (between pieces of a table).
 *
 *   out.write(text);                          // or, byte by byte:
 *   out.room(n); out.buf[out.used++] = 0x7b;  // room for n bytes at out.used, then fill them
 */
export interface OutputStream {
  buf: Buffer;
  used: number;
  room(bytes: number): void;
  write(text: string): void;
  /** While stdout's reader is behind: a promise of its catching up (else undefined). */
  drained(): Promise<void> | undefined;
  close(): Promise<void>;
}

export function openStream(): OutputStream {
  process.on("SIGTERM", onTerminate);
  // Each write is counted until the stream has handed it to the system: a SIGTERM waits for
  // those in flight (whole lines) and drops what comes after (see onTerminate).
  const send = (chunk: Uint8Array | string) => {
    writing++;
    process.stdout.write(chunk, () => {
      writing--;
      if (terminated && writing === 0) process.exit(EXIT.terminated);
    });
  };
  const flush = () => {
    if (out.used === 0 || pipeClosed || terminated || process.stdout.destroyed) return void (out.used = 0);
    send(out.buf.subarray(0, out.used));
    // A write the stream could not finish at once keeps the buffer: take a new one.
    if (process.stdout.writableLength > 0) out.buf = Buffer.allocUnsafe(FLUSH_AT);
    out.used = 0;
  };
  const out: OutputStream = {
    buf: Buffer.allocUnsafe(FLUSH_AT),
    used: 0,
    room(bytes) {
      if (bytes > FLUSH_AT - out.used) flush();
    },
    write(text) {
      if (3 * text.length > FLUSH_AT - out.used) {
        flush();
        if (3 * text.length > FLUSH_AT) return void (pipeClosed || terminated || send(text));
      }
      out.used += (out.buf as unknown as { utf8Write(text: string, offset: number): number }).utf8Write(text, out.used);
    },
    drained: () =>
      process.stdout.writableNeedDrain && !pipeClosed && !process.stdout.destroyed
        ? new Promise<void>((resolve) => process.stdout.once("drain", () => resolve()))
        : undefined,
    async close() {
      try {
        flush();
        if (process.stdout.writableLength > 0) await write("");
      } finally {
        await signalsDelivered();
        process.off("SIGTERM", onTerminate);
      }
    },
  };
  return out;
}

function write(text: string): Promise<boolean> {
  if (pipeClosed || process.stdout.destroyed) return Promise.resolve(false);
  writing++;
  return new Promise((resolve) => {
    const done = () => {
      writing--;
      if (terminated) process.exit(EXIT.terminated);
      resolve(!pipeClosed);
    };
    if (process.stdout.write(text)) done();
    else process.stdout.once("drain", done);
  });
}

/**
 * A notice or an error line on stderr. Control characters are escaped here, once for every
 * message, because messages quote input (a bad --state value, a process name, a line of a
 * capture): none of that may move the cursor or recolour the terminal, or break the one line.
 */
export function writeError(line: string): void {
  process.stderr.write(`${escapeControl(line)}\n`);
}
