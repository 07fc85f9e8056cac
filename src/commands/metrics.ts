import type { Command } from "commander";
import { z } from "zod";
import { usageError } from "../errors.js";
import { DEFAULT_TOP, renderPrometheus, type KernelCounterSet, type MetricsInput } from "../format/prometheus.js";
import { writeChunks } from "../io.js";
import type { NetnsTag, Problem } from "../model/socket.js";
import { loadReport } from "../load/load-report.js";
import { sayRemarks } from "../load/remarks.js";
import { toSocketFilter } from "../load/socket-filter.js";
import { addSourceOptions, parseNetnsLimit, type SourceFlags } from "../load/source-options.js";
import { append } from "../lib/append.js";

export interface MetricsFlags extends SourceFlags {
  top?: string;
  detailed?: boolean;
  output?: string;
  /** serve: process names and pids in the series (off unless --process-labels). */
  processLabels?: boolean;
  /** Series by container and systemd unit (reads each holder's cgroup). */
  who?: boolean;
}

/** What one collection gives the exposition renderer, plus what to tell the user on stderr. */
export interface GatheredMetrics {
  input: MetricsInput;
  notices: string[];
  problems: Problem[];
}

const TopSchema = z.coerce.number().int().min(1).max(10_000);

export function parseTop(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TOP;
  const parsed = TopSchema.safeParse(value.trim() === "" ? NaN : value);
  if (!parsed.success) throw usageError(`bad --top '${value}'`, "give how many processes get their own series, 1-10000 (default 10)");
  return parsed.data;
}

/** Metrics count TCP and UDP unless -t or -u narrows them: an exporter shows the whole host. */
const withDefaultProtos = (flags: MetricsFlags): MetricsFlags => (flags.tcp || flags.udp ? flags : { ...flags, tcp: true, udp: true });

/** The sockets metrics count, as one filter: built once by a run that collects again (serve). */
export const metricsFilter = (flags: MetricsFlags) => toSocketFilter(withDefaultProtos(flags));

/**
 * One collection: sockets (through the same filter and sources as every command), kernel
 * counters of each namespace read, and the time it all took. Prints nothing.
 */
export async function gatherMetrics(flags: MetricsFlags, top = parseTop(flags.top), filter = metricsFilter(flags)): Promise<GatheredMetrics> {
  const started = performance.now();
  const chosen = withDefaultProtos(flags);
  // quiet: the caller says the notices (serve only when they change). Without process labels
  // owners are not looked for, unless a filter needs them (--pid, --process).
  const who = Boolean(flags.who);
  if (who && chosen.input !== undefined) throw usageError("--who reads this machine's cgroups; it cannot apply to --input", "drop --who, or run it live");
  const report = await loadReport({ ...chosen, quiet: true }, { owners: flags.processLabels === false ? false : chosen.owners, who: who && "cgroup" }, filter);
  const notices = [...report.notices];
  const problems = [...report.problems];
  let kernel: Awaited<ReturnType<typeof readCounters>> = { counters: [] };
  if (chosen.input === undefined) kernel = await readCounters(chosen.netns, notices, problems, parseNetnsLimit(chosen));
  else notices.push("kernel counters left out: a replayed capture has none");
  const { counters, namespaces } = kernel;
  const input: MetricsInput = {
    records: report.records,
    protos: filter.protos,
    families: filter.families,
    states: filter.states,
    namespaces,
    counters,
    problems: problems.length,
    top,
    owners: chosen.owners !== false,
    detailed: Boolean(flags.detailed),
    processLabels: flags.processLabels !== false,
    who,
  };
  // /proc/sys is the reader's own namespace: the range is known only when reading this one.
  if (chosen.input === undefined && chosen.netns === undefined) {
    const { readNetSysctls } = await import("../sources/linux-procfs/read-counters.js");
    const range = readNetSysctls().localPortRange;
    if (range) input.ephemeralRange = range;
  }
  input.durationSeconds = (performance.now() - started) / 1000;
  return { input, notices, problems };
}

/** Kernel counters of tcpstat's namespace, or of each namespace --netns names. */
async function readCounters(
  netns: string | undefined,
  notices: string[],
  problems: Problem[],
  limit?: number,
): Promise<{ counters: KernelCounterSet[]; namespaces?: NetnsTag[] }> {
  const { readKernelCounters } = await import("../sources/linux-procfs/read-counters.js");
  const counters: KernelCounterSet[] = [];
  const read = (pidDir?: string) => {
    const reading = readKernelCounters(pidDir);
    append(problems, reading.problems);
    return reading.counters;
  };
  try {
    if (netns === undefined) {
      counters.push({ netns: null, counters: read() });
      return { counters };
    }
    const { resolveNetns, readInNamespace, netnsTag } = await import("../sources/linux-procfs/netns.js");
    // The same namespaces as the sockets (their notice names those left out).
    const namespaces = resolveNetns(netns, { limit });
    for (const ns of namespaces) {
      const values = await readInNamespace(ns, "/proc", read);
      if (values !== null) counters.push({ netns: netnsTag(ns), counters: values });
    }
    return { counters, namespaces: namespaces.map(netnsTag) };
  } catch (error) {
    notices.push(`kernel counters left out: ${(error as Error).message}`);
    return { counters };
  }
}

export async function runMetrics(flags: MetricsFlags): Promise<void> {
  const top = parseTop(flags.top);
  const gathered = await gatherMetrics(flags, top);
  sayRemarks(gathered, flags.quiet);
  const chunks = renderPrometheus(gathered.input);
  if (flags.output === undefined) return writeChunks(chunks);
  if (flags.output.trim() === "") throw usageError("empty --output", "give a file, e.g. /var/lib/node_exporter/textfile/tcpstat.prom");
  const { writeFileAtomic } = await import("../lib/atomic-write.js");
  await writeFileAtomic(flags.output, chunks);
}

/** Options metrics and serve share. */
export function addMetricsOptions(cmd: Command): Command {
  return addSourceOptions(cmd, { protos: "both", habits: false })
    .option("--top <n>", `processes with their own series; the rest are summed in one series labelled rest="true" (default ${DEFAULT_TOP})`)
    .option("--detailed", "also one series per socket (high cardinality)")
    .option("--who", "also series by container and systemd unit of each socket's holder, bounded by --top like processes");
}

export function registerMetrics(program: Command): void {
  addMetricsOptions(
    program
      .command("metrics")
      .description("Prometheus text metrics: sockets by state, listeners, owners, kernel counters (TCP and UDP unless -t/-u)"),
  )
    .option("--output <file>", "write to FILE atomically (temp file + rename), e.g. for node_exporter's textfile collector")
    .action((flags: MetricsFlags) => runMetrics(flags));
}
