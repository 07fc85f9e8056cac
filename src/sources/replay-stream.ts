import type { TextChunk } from "../lib/stream-input.js";
import { blankPasteNoise } from "./paste.js";
import { replayProcNet } from "./replay-proc-net.js";
import { replayCapture, replayFormats, sniff, type ReplayOptions, type ReplayResult } from "./replay.js";

/**
 * `--input` replay a chunk of lines at a time, so big captures take bounded memory: each
 * yielded batch holds the records and problems of one chunk, with the capture's own line
 * numbers. /proc/net dumps (the big ones: a whole machine's sockets) stream: every row stands
 * alone once its table's header is known, so the last header seen is carried into the next
 * chunk, and the byte order is judged once, on the first chunk. Other formats are small
 * captures whose parsers read headers and sections: they are joined and parsed whole.
 *
 *   for await (const batch of replayChunks(readTextChunks(stream, o), o)) write(batch.records)
 */

const PROC_HEADER = /^[ \t]*sl[ \t]+local_address.*$/gm;

function lastHeader(text: string): string | undefined {
  let found: string | undefined;
  for (const m of text.matchAll(PROC_HEADER)) found = m[0];
  return found;
}

export async function* replayChunks(chunks: AsyncIterable<TextChunk>, options: ReplayOptions & { format?: string }): AsyncGenerator<ReplayResult> {
  const iterator = chunks[Symbol.asyncIterator]();
  let next = await iterator.next();
  // Skip leading chunks of blank lines so the format is judged on content.
  const lead: string[] = [];
  while (!next.done && next.value.text.trim() === "") {
    lead.push(next.value.text);
    next = await iterator.next();
  }
  if (next.done) {
    yield replayCapture(lead.join(""), options); // throws: empty input
    return;
  }
  const first = next.value;
  const format = options.format !== undefined ? replayFormats().find((f) => f.name === options.format) : sniff(first.text);
  if (format?.name !== "linux-procfs") {
    const parts = [...lead, first.text];
    for (let n = await iterator.next(); !n.done; n = await iterator.next()) parts.push(n.value.text);
    yield replayCapture(parts.join(""), options);
    return;
  }

  const head = replayCapture(first.text, options);
  // Judged on the first chunk by replayProcNet (or given by --byte-order): kept for the rest.
  const byteOrder = head.byteOrder ?? "LE";
  shiftLines(head, first.firstLine);
  yield head;
  let header = lastHeader(first.text);
  const read = (chunk: TextChunk, last: boolean): ReplayResult => {
    // A prompt after the dump (`$ `) or a notice pasted below it is no row: the last chunk is
    // cleaned as replayCapture cleans a capture's end (line numbers kept); the others are rows.
    const text = last ? blankPasteNoise(chunk.text) : chunk.text;
    const withHeader = header !== undefined && !/^[ \t]*sl[ \t]/.test(text) ? `${header}\n${text}` : text;
    const parsed = replayProcNet(withHeader, { source: options.source, byteOrder });
    shiftLines(parsed, chunk.firstLine - (withHeader === text ? 0 : 1));
    header = lastHeader(text) ?? header;
    return { ...head, records: parsed.records, problems: parsed.problems, notices: [] };
  };
  // Two chunks held back, so the last two are known (a notice may straddle their border).
  const pending: TextChunk[] = [];
  for (let n = await iterator.next(); !n.done; n = await iterator.next()) {
    pending.push(n.value);
    if (pending.length > 2) yield read(pending.shift() as TextChunk, false);
  }
  for (const chunk of pending) yield read(chunk, true);
}

/** Problem line numbers from a chunk's own (1-based) numbering to the capture's. */
function shiftLines(result: { problems: Array<{ line: number }> }, firstLine: number): void {
  if (firstLine === 1) return;
  for (const p of result.problems) p.line += firstLine - 1;
}
