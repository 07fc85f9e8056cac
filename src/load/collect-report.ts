/**
 * Collecting a report: the sockets that match a filter, with the problems and notices met on
 * the way. The public API (index.ts) and every command call this. It loads no schema library,
 * so a listing starts fast; index.ts adds the zod schemas for library users.
 */
import { makeEarlyPredicate, makeEnrichedPredicate, makePredicate, filterNeedsOwners, type SocketFilter } from "../lib/filter.js";
import type { Problem, SocketRecord } from "../model/socket.js";
import { collectSockets } from "../sources/index.js";
import type { RecordSinks } from "../sources/record-sinks.js";
import { toFilter, type FilterOptions } from "./socket-filter.js";

/** The public options; onRecord only: onRow hands over a reused row, and pace is the CLI's. */
export interface ListOptions extends FilterOptions, Pick<RecordSinks, "onRecord"> {
  /** Give listeners their `exposure` (src/lib/exposure.ts). */
  exposure?: boolean;
  /**
   * Each holder fully: command line, parent, start time, systemd unit, container (implies owners);
   * "cgroup": the unit and container only (one read a process).
   */
  who?: boolean | "cgroup";
  /** Resolve owning processes (default true). */
  owners?: boolean;
  source?: string;
  procRoot?: string;
  /** Network namespace(s) to read, like `ss -N`: a name under /run/netns, a pid, a path, or "all". */
  netns?: string;
  /** Most namespaces `netns: "all"` reads (default 64); a notice names those left out. */
  netnsLimit?: number;
  /** Replay captured output (netstat, ss, lsof, sockstat, /proc/net dumps) instead of reading this machine. */
  input?: string | Uint8Array;
  /** Name of the capture in messages: a file name, or "stdin". */
  inputName?: string;
  /** Skip detection: one of the replay format names (see replayFormats()). */
  inputFormat?: string;
  /** Byte order of a /proc/net dump's writer; detected from the addresses when absent. */
  byteOrder?: "le" | "be";
}

export interface SocketReport {
  source: string;
  records: SocketRecord[];
  problems: Problem[];
  notices: string[];
  /** What --verbose prints: e.g. the input format that was detected. */
  verbose?: string[];
}

/** Collects the sockets of this machine that match the options, with problems and notices. */
export async function collectReport(options: ListOptions & RecordSinks = {}, filter = toFilter(options)): Promise<SocketReport> {
  if (options.input !== undefined) return replayReport(options, filter);
  const who = Boolean(options.who || filter.containers || filter.units);
  const owners = options.owners !== false || filterNeedsOwners(filter) || who;
  const keep = makePredicate(filter);
  // The filters that need no owner run on each /proc/net row, before its record is made.
  const keepRow = makePredicate({ ...filter, pids: undefined, process: undefined });
  const keepEarly = makeEarlyPredicate(filter);
  if (options.exposure || filter.exposed || who) return enrichedReport(options, filter, owners, keep, who);
  const { onRecord, onRow } = options;
  const collected = await collectSockets({
    ...where(options, filter, owners),
    onRecord: onRecord && ((r) => void (keep(r) && onRecord(r))),
    // keepRow (below) already holds every filter a row can answer: rows come only without owners.
    onRow: onRecord && onRow,
    keepRow,
    keepEarly,
    pace: onRecord && options.pace,
  });
  return { ...collected, records: collected.records.filter(keep) };
}

/** What to read and where from: the same for a plain and an enriched report. */
const where = (options: ListOptions, filter: SocketFilter, owners: boolean) => ({
  protos: filter.protos,
  families: filter.families,
  owners,
  source: options.source,
  procRoot: options.procRoot,
  netns: options.netns,
  netnsLimit: options.netnsLimit,
});

/**
 * Sockets with what is read about them beyond the tables (exposure), then filtered on it.
 * The records are gathered first: rows handed over unmade cannot carry these fields.
 */
async function enrichedReport(
  options: ListOptions & RecordSinks,
  filter: SocketFilter,
  owners: boolean,
  keep: (r: SocketRecord) => boolean,
  who: boolean,
): Promise<SocketReport> {
  // --who's reads start while the owner scan runs, on the holders it has found (this thread waits for it anyway).
  const whoModule = who ? await import("../sources/who/read-who.js") : undefined;
  const reader = whoModule && new whoModule.WhoReader(options.procRoot, options.who === true ? "all" : "cgroup");
  const collected = await collectSockets({
    ...where(options, filter, owners),
    onHolders: reader && ((pids) => reader.prefetch(pids)),
  });
  const records = collected.records.filter(keep);
  const notices = [...collected.notices];
  if (options.exposure || filter.exposed) await (await import("../sources/who/exposure.js")).addExposure(records, notices);
  if (whoModule) await whoModule.addWho(records, notices, reader);
  return finishEnriched({ ...collected, notices, records }, filter, options.onRecord);
}

/** The filters on enriched fields, then the records handed to onRecord when one is given. */
function finishEnriched(report: SocketReport, filter: SocketFilter, onRecord?: (r: SocketRecord) => void): SocketReport {
  const records = report.records.filter(makeEnrichedPredicate(filter));
  if (onRecord) {
    for (const r of records) onRecord(r);
    records.length = 0;
  }
  return { ...report, records };
}

/**
 * Replays captured output given whole (a string or bytes) as a stream of one chunk, through
 * the route every `--input` takes (load/read-capture.ts), then filters.
 */
async function replayReport(options: ListOptions, filter: SocketFilter): Promise<SocketReport> {
  const { collectCapture, oneChunk } = await import("./read-capture.js");
  const { longLinesNotice } = await import("../lib/stream-input.js");
  const long = { count: 0, firstLine: 0 };
  const source = options.inputName ?? "input";
  const report = await collectCapture(
    oneChunk(options.input as string | Uint8Array),
    { source, format: options.inputFormat, byteOrder: options.byteOrder, long, exposure: options.exposure, onRecord: options.onRecord },
    filter,
  );
  const notice = longLinesNotice(long, source);
  if (notice !== null) report.notices.unshift(notice);
  return report;
}

/** The sockets of this machine that match the options. */
export async function listSockets(options: ListOptions = {}): Promise<SocketRecord[]> {
  return (await collectReport(options)).records;
}
