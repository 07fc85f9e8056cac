import { renderNdjson } from "../format/ndjson.js";
import { writeChunks } from "../io.js";
import { makePredicate } from "../lib/filter.js";
import { readTextChunks } from "../lib/stream-input.js";
import { summarize } from "../lib/summarize.js";
import type { GroupKey, Summary, SummaryGroup } from "../model/report.js";
import type { Problem, SocketRecord } from "../model/socket.js";
import type { ReplayResult } from "../sources/replay.js";
import { replayChunks } from "../sources/replay-stream.js";
import { checkInputFlags, inputReadError, type SourceFlags } from "./list.js";
import { toSocketFilter } from "./options.js";
import { sayRemarks } from "./problems.js";

/**
 * `--input` read as a stream: `tcpstat --ndjson --input big.txt` and `tcpstat summary --input
 * big.txt` never hold the whole capture or all its records, so a dump of a million sockets
 * takes the memory of one chunk (see src/lib/stream-input.ts). Notices and the count of
 * unreadable lines come once, at the end, as loadReport gives them.
 */

async function* batches(flags: SourceFlags): AsyncGenerator<ReplayResult & { records: SocketRecord[] }> {
  const file = flags.input as string;
  const order = checkInputFlags(flags);
  const keep = makePredicate(toSocketFilter(flags));
  const source = file === "-" ? "stdin" : file;
  const input = file === "-" ? process.stdin : await openFile(file);
  const chunks = readTextChunks(input, { source });
  for await (const batch of replayChunks(chunks, { source, format: flags.inputFormat, byteOrder: order === undefined ? undefined : order === "be" ? "BE" : "LE" }))
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

  add(batch: ReplayResult): void {
    this.verbose ??= batch.verbose;
    this.first ??= batch.problems[0];
    this.count += batch.problems.length;
    for (const n of batch.notices ?? []) if (!this.notices.includes(n)) this.notices.push(n);
  }

  get problems(): number {
    return this.count;
  }

  report(flags: SourceFlags): void {
    const verbose = flags.verbose && this.verbose ? [this.verbose] : undefined;
    sayRemarks({ verbose, notices: this.notices, problems: this.first ? [this.first] : [], problemCount: this.count }, flags.quiet);
  }
}

/** `--ndjson --input FILE`: each chunk's records written as they are read. */
export async function runStreamedNdjson(flags: SourceFlags): Promise<void> {
  const remarks = new Remarks();
  for await (const batch of batches(flags)) {
    remarks.add(batch);
    await writeChunks(renderNdjson(batch.records));
  }
  remarks.report(flags);
}

/**
 * `summary --input FILE`: each chunk summarized with every group kept, the counts added up,
 * then cut to the top N as summarize() does. `--by port` needs every listener before it can
 * label a connection, so it reads the capture whole (see summary.ts).
 */
export async function summarizeStreamed(flags: SourceFlags, options: { by?: GroupKey; top: number }): Promise<Summary> {
  const remarks = new Remarks();
  let total: Summary | undefined;
  const groups = new Map<string, SummaryGroup>();
  let source = "input";
  for await (const batch of batches(flags)) {
    remarks.add(batch);
    source = `input:${batch.format}`;
    const part = summarize(batch.records, { by: options.by, top: Number.MAX_SAFE_INTEGER, source });
    for (const g of part.by?.top ?? []) mergeGroup(groups, g);
    total = total ? addSummaries(total, part) : part;
  }
  remarks.report(flags);
  const summary = { ...total!, source, problems: remarks.problems };
  if (options.by) {
    // The order summarize() uses: most sockets first, numeric keys ascending, then by name.
    const sorted = [...groups.values()].sort((a, b) => b.count - a.count || Number(a.key) - Number(b.key) || a.key.localeCompare(b.key));
    const rest = sorted.slice(options.top);
    summary.by = { key: options.by, top: sorted.slice(0, options.top), rest: { groups: rest.length, count: rest.reduce((n, g) => n + g.count, 0) } };
  }
  return summary;
}

function mergeGroup(groups: Map<string, SummaryGroup>, g: SummaryGroup): void {
  const have = groups.get(g.key);
  if (!have) {
    groups.set(g.key, { ...g, states: { ...g.states } });
    return;
  }
  have.count += g.count;
  have.udp += g.udp;
  for (const [state, n] of Object.entries(g.states) as Array<[keyof SummaryGroup["states"], number]>) have.states[state] = (have.states[state] ?? 0) + n;
}

function addSummaries(a: Summary, b: Summary): Summary {
  const states = { ...a.tcp.states };
  for (const s of Object.keys(states) as Array<keyof typeof states>) states[s] += b.tcp.states[s];
  return {
    ...a,
    total: a.total + b.total,
    tcp: { total: a.tcp.total + b.tcp.total, states },
    udp: { total: a.udp.total + b.udp.total, connected: a.udp.connected + b.udp.connected, unconnected: a.udp.unconnected + b.udp.unconnected },
    families: { ipv4: a.families.ipv4 + b.families.ipv4, ipv6: a.families.ipv6 + b.families.ipv6 },
  };
}
