import { TcpstatError } from "../errors.js";

/**
 * Reads a capture as text in chunks of whole lines, so a dump of a million sockets is parsed
 * a few megabytes at a time instead of being held whole (bytes, then text, then records):
 *
 *   for await (const { text, firstLine } of readTextChunks(createReadStream(file), { source: file }))
 *     parse(text)   // text ends at a line end (except the last chunk); firstLine is 1-based
 *
 * The encoding is chosen from the first block: a byte order mark (UTF-8, UTF-16LE as
 * PowerShell's `>` writes, UTF-16BE), else UTF-8 when that block is valid UTF-8, else Latin-1
 * so every byte survives as one character (Windows OEM code pages are decoded later, by the
 * parser that knows them). A first block that is mostly control bytes is binary, not a capture.
 */

export interface TextChunk {
  /** Whole lines; only the last chunk may end without a line break. */
  text: string;
  /** Line number (1-based) of the chunk's first line in the whole input. */
  firstLine: number;
}

export interface ChunkOptions {
  /** Name for messages: the file name, or "stdin". */
  source: string;
  /** About how many characters a chunk holds (default 256 Ki: small chunks keep the heap small). */
  chunkChars?: number;
  /** Lines longer than MAX_LINE_BYTES characters, skipped as they come (counted here). */
  long?: LongLines;
}

const SNIFF_BYTES = 64 * 1024;
const DEFAULT_CHUNK = 256 * 1024;

interface Decoder {
  decode(bytes: Uint8Array, stream: boolean): string;
}

function chooseDecoder(head: Uint8Array): Decoder {
  const utf = (label: string, fatal = false) => {
    const d = new TextDecoder(label, { fatal });
    return { decode: (b: Uint8Array, stream: boolean) => d.decode(b, { stream }) };
  };
  if (head[0] === 0xff && head[1] === 0xfe) return utf("utf-16le");
  if (head[0] === 0xfe && head[1] === 0xff) return utf("utf-16be");
  try {
    // stream: an incomplete sequence at the end of the block is not an error.
    new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
    return utf("utf-8"); // strips a UTF-8 byte order mark
  } catch {
    return { decode: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1") };
  }
}

/**
 * True when the block cannot be captured command output: many control bytes that no text
 * carries (tab, line breaks, ESC of coloured output and NUL of `lsof -F0` excepted),
 * or mostly NUL.
 */
export function looksBinary(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return false;
  let control = 0;
  let nul = 0;
  for (const b of head) {
    if (b === 0) nul++;
    else if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x1b && b !== 0x0c) || b === 0x7f) control++;
  }
  return control > head.length * 0.02 || nul > head.length * 0.3;
}

/** Throws the one-line "binary data" error when the start of a capture is not text. */
export function assertText(bytes: Uint8Array, source: string): void {
  if (looksBinary(bytes.subarray(0, SNIFF_BYTES)))
    throw new TcpstatError(
      `${source} looks like binary data, not text captured from netstat, ss, lsof or /proc/net`,
      "replay the text a command printed, e.g. `ss -tuanp > capture.txt`",
    );
}

/** Longest line a capture may have (issue 22): longer ones are skipped, never held whole. */
export const MAX_LINE_BYTES = 64 * 1024;

/** Lines readWhole skipped for being longer than MAX_LINE_BYTES: how many, and the first one's number. */
export interface LongLines {
  count: number;
  firstLine: number;
}

/**
 * Reads a whole capture (for the outputs that need every socket at once), refusing binary data
 * as soon as its first block is in: `--input /dev/zero` ends with one line, not with memory full.
 * A line longer than MAX_LINE_BYTES is dropped as it comes (at most that much of it is ever
 * held) and counted in `long`: an endless input without a line break grew unbounded (BENCHMARKS.md).
 * A JSON document is read whole: ConvertTo-Json -Compress writes a whole capture on one line.
 */
export async function readWhole(
  input: AsyncIterable<Uint8Array | string>,
  source: string,
  long: LongLines = { count: 0, firstLine: 0 },
  maxBytes = Infinity,
): Promise<Buffer> {
  const pieces: Buffer[] = [];
  let size = 0;
  let checked = false;
  let lineStart = 0; // size when the current line began
  let line = 1;
  let skipping = false; // inside a line already found too long: its bytes are dropped
  const keep = (bytes: Buffer) => {
    if (bytes.length === 0) return;
    pieces.push(bytes);
    size += bytes.length;
  };
  /** Drops what is held of the current line (at most MAX_LINE_BYTES). */
  const dropLine = () => {
    let excess = size - lineStart;
    while (excess > 0) {
      const last = pieces[pieces.length - 1]!;
      if (last.length <= excess) {
        pieces.pop();
        excess -= last.length;
        size -= last.length;
      } else {
        pieces[pieces.length - 1] = last.subarray(0, last.length - excess);
        size -= excess;
        excess = 0;
      }
    }
  };
  // A JSON document (PowerShell's ConvertTo-Json -Compress) may be one long line: not bounded.
  let json: boolean | undefined;
  for await (const piece of input) {
    const bytes = typeof piece === "string" ? Buffer.from(piece) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (json === undefined) {
      const first = bytes.toString("latin1", 0, Math.min(bytes.length, 64)).replace(/^(\xef\xbb\xbf|\xff\xfe|\xfe\xff|[\s\0])*/, "");
      if (first !== "") json = first[0] === "[" || first[0] === "{";
    }
    let from = json === true ? bytes.length : 0;
    if (json === true) keep(bytes);
    while (from < bytes.length) {
      const nl = bytes.indexOf(10, from);
      const end = nl < 0 ? bytes.length : nl + 1;
      if (!skipping) {
        keep(bytes.subarray(from, end));
        if (size - lineStart > MAX_LINE_BYTES + 1) {
          dropLine();
          skipping = true;
          if (long.count++ === 0) long.firstLine = line;
        }
      }
      if (nl >= 0) {
        skipping = false;
        lineStart = size;
        line++;
      }
      from = end;
    }
    if (!checked && size >= SNIFF_BYTES) {
      assertText(Buffer.concat(pieces), source);
      checked = true;
    }
    if (size > maxBytes)
      throw new TcpstatError(
        `${source} is more than ${Math.floor(maxBytes / 1e6)} MB: more records than the table or --json can hold in memory`,
        "use --ndjson or summary, which stream the capture",
      );
  }
  const all = Buffer.concat(pieces);
  if (all.length === 0 && long.count > 0)
    throw new TcpstatError(
      `${source} holds no line shorter than 64 KiB: skipped ${long.count} longer line(s), the first at line ${long.firstLine}`,
      "give a captured netstat, ss, lsof, sockstat or /proc/net output",
    );
  if (!checked) assertText(all, source);
  return all;
}

export async function* readTextChunks(input: AsyncIterable<Uint8Array | string>, options: ChunkOptions): AsyncGenerator<TextChunk> {
  const chunkChars = options.chunkChars ?? DEFAULT_CHUNK;
  let decoder: Decoder | undefined;
  let head: Buffer[] = [];
  let headBytes = 0;
  let carry = "";
  let line = 1;
  let skipping = false;
  const long = options.long ?? { count: 0, firstLine: 0 };
  /** Drops the rest of a line found too long, up to its end. */
  const skip = () => {
    if (!skipping) return;
    const nl = carry.indexOf("\n");
    if (nl < 0) carry = "";
    else {
      carry = carry.slice(nl + 1);
      skipping = false;
      line++;
    }
  };

  const start = (bytes: Buffer) => {
    assertText(bytes, options.source);
    decoder = chooseDecoder(bytes.subarray(0, SNIFF_BYTES));
    return decoder.decode(bytes, true);
  };

  function* cut(final: boolean): Generator<TextChunk> {
    while (carry.length >= chunkChars || (final && carry !== "")) {
      let end = carry.length;
      if (!final || carry.length > chunkChars) {
        const nl = carry.lastIndexOf("\n", chunkChars);
        const at = nl >= 0 ? nl : carry.indexOf("\n", chunkChars);
        if (at < 0) {
          if (!final && carry.length - chunkChars <= MAX_LINE_BYTES) return; // a long line: wait for its end
          if (!final) {
            // Past the bound: the whole lines before it go out, the long one is dropped as it comes.
            const before = carry.lastIndexOf("\n");
            if (before >= 0) {
              const text = carry.slice(0, before + 1);
              yield { text, firstLine: line };
              line += countLines(text);
            }
            carry = "";
            skipping = true;
            if (long.count++ === 0) long.firstLine = line;
            return;
          }
        } else end = at + 1;
      }
      const text = carry.slice(0, end);
      carry = carry.slice(end);
      yield { text, firstLine: line };
      line += countLines(text);
    }
  }

  for await (const piece of input) {
    const bytes = typeof piece === "string" ? Buffer.from(piece) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (!decoder) {
      head.push(bytes);
      headBytes += bytes.length;
      if (headBytes < SNIFF_BYTES) continue;
      carry += start(Buffer.concat(head));
      head = [];
    } else carry += decoder.decode(bytes, true);
    skip();
    yield* cut(false);
  }
  if (!decoder) carry += start(Buffer.concat(head));
  carry += decoder!.decode(new Uint8Array(0), false);
  skip();
  if (skipping) carry = "";
  yield* cut(true);
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}
