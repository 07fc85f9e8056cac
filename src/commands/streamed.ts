import { makeEnrichedPredicate, makePredicate } from "../lib/filter.js";
import { exposureOf, isListener } from "../lib/exposure.js";
import { systemServices } from "../lib/services-file.js";
import { readTextChunks, type LongLines } from "../lib/stream-input.js";
import { otherHolders } from "../lib/owners.js";
import { SummaryCounter, countGroup, groupLabeler, rankGroups } from "../lib/summarize.js";
import type { GroupKey, Summary, SummaryGroup } from "../model/report.js";
import type { Problem, SocketRecord } from "../model/socket.js";
import type { ReplayResult } from "../sources/replay.js";
import { replayChunks } from "../sources/replay-stream.js";
import { checkInputFlags, inputReadError, writeJson, type SourceFlags } from "./list.js";
import { toSocketFilter } from "./options.js";
import { sayRemarks } from "./problems.js";

/**
 * `--input` read as a stream: `tcpstat --ndjson --input big.txt` and `tcpstat summary --input
 * big.txt` never hold the whole capture or all its records, so a dump of a million sockets
 * takes the memory of one chunk (see src/lib/stream-input.ts). Notices and the count of
 * unreadable lines come once, at the end, as loadReport gives them.
 */

async function* batches(flags: SourceFlags, long: LongLines): AsyncGenerator<ReplayResult & { records: SocketRecord[] }> {
  const file = flags.input as string;
  const order = checkInputFlags(flags);
  const filter = toSocketFilter(flags);
  const base = makePredicate(filter);
  const exposed = makeEnrichedPredicate(filter);
  // --exposed: a capture cannot say IPV6_V6ONLY, so `::` counts as all (src/lib/exposure.ts).
  const keep = !filter.exposed
    ? base
    : (r: SocketRecord) => {
        if (!base(r)) return false;
        if (isListener(r)) r.exposure = exposureOf(r.localAddress, undefined);
        return exposed(r);
      };
  const source = file === "-" ? "stdin" : file;
  const input = file === "-" ? process.stdin : await openFile(file);
  const chunks = readTextChunks(input, { source, long });
  const services = systemServices();
  for await (const batch of replayChunks(chunks, { source, format: flags.inputFormat, byteOrder: order === undefined ? undefined : order === "be" ? "BE" : "LE", services }))
    yield { ...batch, records: batch.records.filter(keep) };
}

async function openFile(file: string): Promise<AsyncIterable<Buffer>> {
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

/** Collects what loadReport would say on stderr, keeping only the first problem and a count. */
class Remarks {
  private first: Problem | undefined;
  private count = 0;
  private notices: string[] = [];
  private verbose: string | undefined;

  /** Lines longer than 64 KiB, skipped by the reader (issue 22). */
  long: LongLines = { count: 0, firstLine: 0 };

  add(batch: ReplayResult): void {
    this.verbose ??= batch.verbose;
    this.first ??= batch.problems[0];
    this.count += batch.problems.length;
    for (const n of batch.notices ?? []) if (!this.notices.includes(n)) this.notices.push(n);
  }

  get problems(): number {
    return this.count;
  }

  report(flags: SourceFlags, source = flags.input === "-" ? "stdin" : (flags.input as string)): void {
    if (this.long.count > 0) this.notices.unshift(`skipped ${this.long.count} line(s) longer than 64 KiB in ${source}; first at line ${this.long.firstLine}`);
    const verbose = flags.verbose && this.verbose ? [this.verbose] : undefined;
    sayRemarks({ verbose, notices: this.notices, problems: this.first ? [this.first] : [], problemCount: this.count }, flags.quiet);
  }
}

/** `--ndjson --input FILE`: each chunk's records written as they are read, as the live streamed listing writes them. */
export async function runStreamedNdjson(flags: SourceFlags): Promise<void> {
  const remarks = new Remarks();
  await writeJson("ndjson", async (json, out) => {
    for await (const batch of batches(flags, remarks.long)) {
      remarks.add(batch);
      for (const r of batch.records) json.record(r);
      // A slow reader of stdout holds the reading back: memory stays that of a chunk.
      await out.drained();
    }
  });
  remarks.report(flags);
}

/**
 * `summary --input FILE`: each chunk's sockets counted into one SummaryCounter (and, with
 * --by, one map of groups), then cut to the top N as summarize() does. `--by port` needs
 * every listener before it can label a connection, so it reads the capture whole (see summary.ts).
 */
export async function summarizeStreamed(flags: SourceFlags, options: { by?: GroupKey; top: number }): Promise<Summary> {
  const remarks = new Remarks();
  const counter = new SummaryCounter();
  const groups = new Map<string, SummaryGroup>();
  let shared = 0;
  let source = "input";
  for await (const batch of batches(flags, remarks.long)) {
    remarks.add(batch);
    source = `input:${batch.format}`;
    const label = options.by && groupLabeler(options.by, batch.records);
    for (const r of batch.records) {
      counter.add(r);
      if (label) countGroup(groups, label(r), r);
      if (otherHolders(r) > 0) shared++;
    }
  }
  remarks.report(flags);
  const summary = counter.summary({ source, problems: remarks.problems });
  const by = options.by ? rankGroups(groups.values(), options.by, options.top) : null;
  // A socket several processes hold counts once, under the one shown (as summarize() says).
  if (by && options.by === "process") by.shared = shared;
  return { ...summary, by };
}
