import { makeEnrichedPredicate, makePredicate, type SocketFilter } from "../lib/filter.js";
import { exposureOf, isListener } from "../lib/exposure.js";
import { systemServices } from "../lib/services-file.js";
import { readTextChunks, type LongLines } from "../lib/stream-input.js";
import type { SocketRecord } from "../model/socket.js";
import type { ReplayResult } from "../sources/replay.js";
import { replayChunks } from "../sources/replay-stream.js";
import { checkInputFlags, inputReadError, type SourceFlags } from "./source-options.js";

/**
 * `--input` read as a stream: `tcpstat --ndjson --input big.txt` and `tcpstat summary --input
 * big.txt` never hold the whole capture or all its records, so a dump of a million sockets
 * takes the memory of one chunk (see src/lib/stream-input.ts). Each batch holds the records
 * of one chunk that the filter keeps; what it says on stderr goes to a Remarks (remarks.ts).
 *
 *   for await (const batch of captureBatches(flags, filter, remarks.long)) write(batch.records)
 */
export async function* captureBatches(flags: SourceFlags, filter: SocketFilter, long: LongLines): AsyncGenerator<ReplayResult & { records: SocketRecord[] }> {
  const file = flags.input as string;
  const order = checkInputFlags(flags);
  const keep = capturePredicate(filter);
  const source = captureName(file);
  const input = file === "-" ? process.stdin : await openCapture(file);
  const chunks = readTextChunks(input, { source, long });
  const services = systemServices();
  for await (const batch of replayChunks(chunks, { source, format: flags.inputFormat, byteOrder: order === undefined ? undefined : order === "be" ? "BE" : "LE", services }))
    yield { ...batch, records: batch.records.filter(keep) };
}

/** The capture's name in messages: the file, or "stdin" for `-`. */
export const captureName = (file: string): string => (file === "-" ? "stdin" : file);

/**
 * The filter as a capture's records meet it. --exposed: a capture cannot say IPV6_V6ONLY, so
 * `::` counts as all (src/lib/exposure.ts) and each listener is given its exposure first.
 */
function capturePredicate(filter: SocketFilter): (r: SocketRecord) => boolean {
  const base = makePredicate(filter);
  if (!filter.exposed) return base;
  const exposed = makeEnrichedPredicate(filter);
  return (r) => {
    if (!base(r)) return false;
    if (isListener(r)) r.exposure = exposureOf(r.localAddress, undefined);
    return exposed(r);
  };
}

/** The --input file opened for reading in large blocks; missing, a directory or not allowed: one line saying so. */
async function openCapture(file: string): Promise<AsyncIterable<Buffer>> {
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
