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
  /**
   * Most characters the reader of the chunks can hold (the outputs that gather every record):
   * past it, one line naming --ndjson and summary, which stream.
   */
  maxChars?: number;
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
 * A whole capture's bytes as text, decoded as readTextChunks decodes them (the same choice
 * on the same first block): what a capture given whole reads as.
 */
export function decodeCapture(bytes: Uint8Array): string {
  return chooseDecoder(bytes.subarray(0, SNIFF_BYTES)).decode(bytes, false);
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

/** Lines skipped for being longer than MAX_LINE_BYTES: how many, and the first one's number. */
export interface LongLines {
  count: number;
  firstLine: number;
}

/** The one notice for lines skipped by length, or null when there were none. */
export function longLinesNotice(long: LongLines, source: string): string | null {
  if (long.count === 0) return null;
  return `skipped ${long.count} line(s) longer than ${MAX_LINE_BYTES / 1024} KiB in ${source}; first at line ${long.firstLine}`;
}

export async function* readTextChunks(input: AsyncIterable<Uint8Array | string>, options: ChunkOptions): AsyncGenerator<TextChunk> {
  const chunkChars = options.chunkChars ?? DEFAULT_CHUNK;
  let decoder: Decoder | undefined;
  let head: Buffer[] = [];
  let headBytes = 0;
  let carry = "";
  let line = 1;
  let skipping = false;
  let kept = 0;
  // A JSON document (PowerShell's ConvertTo-Json -Compress) may be one long line: read whole, not bounded.
  let json = false;
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
    const text = decoder.decode(bytes, true);
    json = /^[\s\0\uFEFF]*[[{]/.test(text);
    return text;
  };
  const take = (text: string) => {
    carry += text;
    // What is kept: the chunks handed over and what waits to be cut (a skipped line is not kept).
    if (options.maxChars !== undefined && kept + carry.length > options.maxChars)
      throw new TcpstatError(
        `${options.source} is more than ${Math.floor(options.maxChars / 1e6)} MB: more records than the table or --json can hold in memory`,
        "use --ndjson or summary, which stream the capture",
      );
  };

  function* cut(final: boolean): Generator<TextChunk> {
    if (json && !final) return;
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
            if (before >= 0) yield* emit(carry.slice(0, before + 1));
            carry = "";
            skipping = true;
            if (long.count++ === 0) long.firstLine = line;
            return;
          }
        } else end = at + 1;
      }
      const text = carry.slice(0, end);
      carry = carry.slice(end);
      yield* emit(text);
    }
  }

  /**
   * A chunk of whole lines handed over, each line longer than MAX_LINE_BYTES that arrived
   * whole taken out and counted; the lines after it keep their numbers in the capture.
   */
  function* emit(text: string): Generator<TextChunk> {
    let start = 0; // where the text still to hand over begins
    let first = line; // that text's first line number
    for (let from = 0; ; ) {
      const nl = text.indexOf("\n", from);
      const end = nl < 0 ? text.length : nl + 1;
      if (!json && end - from > MAX_LINE_BYTES + 1) {
        if (from > start) {
          kept += from - start;
          yield { text: text.slice(start, from), firstLine: first };
        }
        if (long.count++ === 0) long.firstLine = line;
        start = end;
        first = line + 1;
      }
      if (nl < 0) break;
      line++;
      from = end;
    }
    if (start < text.length) {
      kept += text.length - start;
      yield { text: start === 0 ? text : text.slice(start), firstLine: first };
    }
  }

  for await (const piece of input) {
    const bytes = typeof piece === "string" ? Buffer.from(piece) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (!decoder) {
      head.push(bytes);
      headBytes += bytes.length;
      if (headBytes < SNIFF_BYTES) continue;
      take(start(Buffer.concat(head)));
      head = [];
    } else take(decoder.decode(bytes, true));
    skip();
    yield* cut(false);
  }
  if (!decoder) take(start(Buffer.concat(head)));
  take(decoder!.decode(new Uint8Array(0), false));
  skip();
  if (skipping) carry = "";
  if (kept === 0 && carry === "" && long.count > 0)
    throw new TcpstatError(
      `${options.source} holds no line shorter than 64 KiB: skipped ${long.count} longer line(s), the first at line ${long.firstLine}`,
      "give a captured netstat, ss, lsof, sockstat or /proc/net output",
    );
  yield* cut(true);
}
