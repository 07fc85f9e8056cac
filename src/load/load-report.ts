import { usageError } from "../errors.js";
import type { SocketFilter } from "../lib/filter.js";
import type { Summary } from "../model/report.js";
import type { RecordSinks } from "../sources/record-sinks.js";
import type { ListOptions, SocketReport } from "./collect-report.js";
import { sayRemarks } from "./remarks.js";
import { toSocketFilter } from "./socket-filter.js";
import { checkInputFlags, parseNetnsLimit, type SourceFlags } from "./source-options.js";

/**
 * The source flags turned into sockets for every command: a report (loadReport), counts
 * (countReport). What the run says on stderr (notices, unreadable lines, --verbose) is said
 * here, once.
 */

/**
 * Counts per state and protocol of the sockets the flags select, each socket counted as it
 * is read (a /proc/net row without making its record), none kept, no owners: `summary`
 * without --by, and explain's live counts.
 */
export async function countReport(flags: SourceFlags, filter: SocketFilter = toSocketFilter(flags)): Promise<Summary> {
  const { SummaryCounter } = await import("../lib/summarize.js");
  const counter = new SummaryCounter();
  const count = (r: Parameters<typeof counter.add>[0]) => counter.add(r);
  const report = await loadReport(flags, { owners: false, onRecord: count, onRow: count }, filter);
  return counter.summary({ source: report.source, problems: report.problems.length });
}

/**
 * Validates the selection flags, collects the matching sockets and reports notices and
 * unreadable lines once on stderr (unless --quiet). Every command that reads sockets calls this.
 * `owners: false` skips resolving owning processes when nothing shown needs them. `filter`:
 * the one the caller built from the same flags (a run that reads again builds it once).
 */
export async function loadReport(
  flags: SourceFlags,
  options: Pick<ListOptions, "owners" | "exposure" | "who"> & RecordSinks = {},
  filter: SocketFilter = toSocketFilter(flags),
): Promise<SocketReport> {
  const owners = options.owners ?? flags.owners;
  if (flags.input === undefined && (flags.inputFormat !== undefined || flags.byteOrder !== undefined))
    throw usageError(`${flags.inputFormat !== undefined ? "--input-format" : "--byte-order"} applies only to replayed captures`, "add --input FILE (or - for stdin)");
  let report: SocketReport;
  if (flags.input !== undefined) {
    report = await loadCapture(flags, options, filter);
    parseNetnsLimit(flags);
  } else {
    // Loaded here, not at start-up: `tcpstat --version` and `--help` never read sockets.
    const { collectReport } = await import("./collect-report.js");
    const netnsLimit = parseNetnsLimit(flags);
    // A container's sockets live in its own network namespace: --container looks in every one unless -N says where.
    const netns = flags.netns ?? (filter.containers ? "all" : undefined);
    report = await collectReport({ ...options, owners, source: flags.source, netns, netnsLimit }, filter);
  }
  // --verbose names each system tool run, by the absolute path it was taken from (issue 22).
  const ran = flags.verbose ? (await import("../lib/exec.js")).commandsRun().map((command) => `ran ${command}`) : [];
  const verbose = flags.verbose ? [...(report.verbose ?? [`source: ${report.source}`]), ...ran] : undefined;
  const notices = flags.input === undefined && filter.pids ? [...(await missingPids(filter.pids)), ...report.notices] : report.notices;
  sayRemarks({ verbose, notices, problems: report.problems }, flags.quiet);
  return report;
}

/** --pid values no running process has (Linux: no /proc/PID): said, so an empty listing is not taken for "no sockets". */
async function missingPids(pids: ReadonlySet<number>): Promise<string[]> {
  if (process.platform !== "linux") return [];
  const { existsSync } = await import("node:fs");
  const gone = [...pids].filter((pid) => !existsSync(`/proc/${pid}`));
  return gone.length === 0 ? [] : [`no process ${gone.join(", ")} is running: --pid ${gone.length === 1 ? "matches" : "match"} nothing there.`];
}

/**
 * The biggest capture the outputs that hold every record can take (issue 22): a replayed row
 * takes several times its text at its peak (BENCHMARKS.md, issue 15), and the text must fit in
 * one string. Past it: one line naming --ndjson and summary, which stream.
 */
async function wholeInputLimit(): Promise<number> {
  const { getHeapStatistics } = await import("node:v8");
  const { constants } = await import("node:buffer");
  return Math.min(getHeapStatistics().heap_size_limit / 8, constants.MAX_STRING_LENGTH);
}

/**
 * --input and its companions, checked; the capture read through the one route of a capture
 * (read-capture.ts) and its records gathered, or each handed to onRecord (counts) and none kept.
 */
async function loadCapture(flags: SourceFlags, options: Pick<ListOptions, "exposure"> & RecordSinks, filter: SocketFilter): Promise<SocketReport> {
  const byteOrder = checkInputFlags(flags);
  const { collectCapture, captureName, openCapture } = await import("./read-capture.js");
  const { longLinesNotice } = await import("../lib/stream-input.js");
  const file = flags.input as string;
  const source = captureName(file);
  const long = { count: 0, firstLine: 0 };
  // Checked for binary data as it arrives: `--input /dev/zero` must not fill the memory;
  // lines longer than 64 KiB are dropped as they come (issue 22).
  const maxChars = options.onRecord ? undefined : await wholeInputLimit();
  const report = await collectCapture(await openCapture(file), { source, format: flags.inputFormat, byteOrder, long, maxChars, exposure: options.exposure, onRecord: options.onRecord }, filter);
  const notice = longLinesNotice(long, source);
  if (notice !== null) sayRemarks({ notices: [notice], problems: [] }, flags.quiet);
  return report;
}
