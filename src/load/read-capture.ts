import { append } from "../lib/append.js";
import { makeEnrichedPredicate, makePredicate, type SocketFilter } from "../lib/filter.js";
import { exposureOf, isListener } from "../lib/exposure.js";
import { systemServices } from "../lib/services-file.js";
import { readTextChunks, type LongLines } from "../lib/stream-input.js";
import type { Problem, SocketRecord } from "../model/socket.js";
import type { ReplayResult } from "../sources/replay.js";
import { replayChunks } from "../sources/replay-stream.js";
import { checkInputFlags, inputReadError, type SourceFlags } from "./source-options.js";

/**
 * The one route of a capture, for every `--input`, format and consumer, and for the library's
 * `input` (a string or bytes, read as a stream of one chunk): bytes -> text chunks of whole
 * lines (src/lib/stream-input.ts: one decoder, one text check, long lines skipped) -> batches
 * of records (src/sources/replay-stream.ts) -> the records the filter keeps. A consumer that
 * writes as it reads (`--ndjson`, `summary`) takes the batches; one that needs every record
 * (the table, `--json`, metrics) collects them (collectCapture), up to what memory can hold.
 *
 *   for await (const batch of captureBatches(flags, filter, remarks.long)) write(batch.records)
 */

export interface CaptureOptions {
  /** The capture's name in messages: a file name, or "stdin". */
  source: string;
  /** A replay format's name (--input-format), instead of detecting it. */
  format?: string;
  /** --byte-order of a /proc/net dump. */
  byteOrder?: "le" | "be";
  /** Lines longer than 64 KiB, skipped as they come, counted here. */
  long: LongLines;
  /** Most characters held (the consumers that collect). */
  maxChars?: number;
  /** Give listeners their exposure (--exposure, -l), as --exposed does. */
  exposure?: boolean;
}

type Batch = ReplayResult & { records: SocketRecord[] };

/** The batches of a capture given as bytes or text, each with the records `filter` keeps. */
export async function* replayBatches(input: AsyncIterable<Uint8Array | string>, o: CaptureOptions, filter: SocketFilter): AsyncGenerator<Batch> {
  const keep = capturePredicate(filter, Boolean(o.exposure));
  const chunks = readTextChunks(input, { source: o.source, long: o.long, maxChars: o.maxChars });
  const byteOrder = o.byteOrder === undefined ? undefined : o.byteOrder === "be" ? "BE" : "LE";
  for await (const batch of replayChunks(chunks, { source: o.source, format: o.format, byteOrder, services: systemServices() }))
    yield { ...batch, records: batch.records.filter(keep) };
}

/** `--input FILE` (or `-`) with its companions checked, as batches. */
export async function* captureBatches(flags: SourceFlags, filter: SocketFilter, long: LongLines): AsyncGenerator<Batch> {
  const byteOrder = checkInputFlags(flags);
  const file = flags.input as string;
  yield* replayBatches(await openCapture(file), { source: captureName(file), format: flags.inputFormat, byteOrder, long }, filter);
}

/**
 * Every batch gathered into one report, for the consumers that need all records at once;
 * with `onRecord`, each record handed over instead and none kept (counts).
 */
export async function collectCapture(
  input: AsyncIterable<Uint8Array | string>,
  o: CaptureOptions & { onRecord?: (r: SocketRecord) => void },
  filter: SocketFilter,
): Promise<{ source: string; records: SocketRecord[]; problems: Problem[]; notices: string[]; verbose: string[] }> {
  const records: SocketRecord[] = [];
  const problems: Problem[] = [];
  const notices: string[] = [];
  let format = "";
  let verbose = "";
  for await (const batch of replayBatches(input, o, filter)) {
    format ||= batch.format;
    verbose ||= batch.verbose;
    append(problems, batch.problems);
    notices.push(...(batch.notices ?? []));
    if (o.onRecord) for (const r of batch.records) o.onRecord(r);
    else append(records, batch.records);
  }
  return { source: `input:${format}`, records, problems, notices, verbose: [verbose] };
}

/** The capture's name in messages: the file, or "stdin" for `-`. */
export const captureName = (file: string): string => (file === "-" ? "stdin" : file);

/** A capture given whole (the library's string or bytes): a stream of one chunk. */
export async function* oneChunk(input: Uint8Array | string): AsyncGenerator<Uint8Array | string> {
  yield input;
}

/**
 * The filter as a capture's records meet it. A capture cannot say IPV6_V6ONLY but ss's `*`
 * (dual-stack), so `::` counts as all (src/lib/exposure.ts): listeners are given their exposure
 * first when it is shown or filtered on.
 */
function capturePredicate(filter: SocketFilter, exposure: boolean): (r: SocketRecord) => boolean {
  const base = makePredicate(filter);
  if (!exposure && !filter.exposed) return base;
  const enriched = makeEnrichedPredicate(filter);
  return (r) => {
    if (!base(r)) return false;
    if (isListener(r)) r.exposure = exposureOf(r.localAddress, undefined);
    return enriched(r);
  };
}

/** `-` (stdin), or the --input file opened for reading in large blocks; missing, a directory or not allowed: one line saying so. */
export async function openCapture(file: string): Promise<AsyncIterable<Buffer>> {
  if (file === "-") return process.stdin;
  const { open } = await import("node:fs/promises");
  try {
    const handle = await open(file, "r");
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      throw Object.assign(new Error("EISDIR"), { code: "EISDIR" });
    }
    return handle.createReadStream({ highWaterMark: 1 << 20 });
  } catch (error) {
    throw inputReadError(file, error);
  }
}
