import type { Command } from "commander";
import { usageError } from "../errors.js";
import { LIST_FORMATS } from "../format/index.js";
import { collectReport, type SocketReport } from "../index.js";
import { colorLevel, makeChalk, writeChunks, writeError } from "../io.js";
import { reportProblems } from "./problems.js";
import { addFilterOptions, toSocketFilter, type FilterFlags } from "./options.js";

/** Flags of every command that reads sockets: selection, source and notices. */
export interface SourceFlags extends FilterFlags {
  source?: string;
  netns?: string;
  quiet?: boolean;
}

interface ListFlags extends SourceFlags {
  json?: boolean;
  ndjson?: boolean;
  format?: string;
  timers?: boolean;
  color?: boolean;
}

/** Where sockets come from, and whether to speak on stderr. Shared by list, summary, doctor, ... */
export function addSourceOptions(cmd: Command): Command {
  return addFilterOptions(cmd)
    .option("--source <name>", "force a socket source instead of the platform's default")
    .option("-N, --netns <ns>", "network namespace(s): a name (ip netns), a pid, a namespace file, or all")
    .option("-q, --quiet", "no notices on stderr");
}

export function addListOptions(cmd: Command): Command {
  return addSourceOptions(cmd)
    .option("-o, --timers", "show the timer column, like netstat -o")
    .option("--json", "one JSON array of records")
    .option("--ndjson", "one JSON record a line")
    .option("--format <name>", `output format: ${Object.keys(LIST_FORMATS).join(", ")}`)
    .option("--color", "force colour")
    .option("--no-color", "never colour");
}

export function chooseFormat(flags: Pick<ListFlags, "json" | "ndjson" | "format">): string {
  const chosen = [flags.json && "json", flags.ndjson && "ndjson", flags.format].filter(Boolean) as string[];
  if (new Set(chosen).size > 1) throw usageError(`conflicting formats: ${chosen.join(", ")}`, "choose one of --json, --ndjson, --format");
  const name = chosen[0] ?? "table";
  if (!LIST_FORMATS[name]) throw usageError(`unknown format '${name}'`, `choose one of: ${Object.keys(LIST_FORMATS).join(", ")}`);
  return name;
}

/**
 * Validates the selection flags, collects the matching sockets and reports notices and
 * unreadable lines once on stderr (unless --quiet). Every command that reads sockets calls this.
 * `owners: false` skips resolving owning processes when nothing shown needs them.
 */
export async function loadReport(flags: SourceFlags, options: { owners?: boolean } = {}): Promise<SocketReport> {
  const filter = toSocketFilter(flags);
  const owners = options.owners ?? flags.owners;
  const report = await collectReport({ owners, source: flags.source, netns: flags.netns }, filter);
  if (!flags.quiet) {
    for (const notice of report.notices) writeError(`tcpstat: ${notice}`);
    reportProblems(report.problems);
  }
  return report;
}

export async function runList(flags: ListFlags): Promise<void> {
  const name = chooseFormat(flags);
  // Metrics also carry kernel counters and the collection time: `tcpstat metrics` makes them.
  if (name === "prometheus") return (await import("./metrics.js")).runMetrics(flags);
  const format = LIST_FORMATS[name]!;
  const report = await loadReport(flags);
  const chalk = makeChalk(colorLevel(Boolean(process.stdout.isTTY), process.env, flags.color));
  await writeChunks(format.render(report.records, { chalk, timers: Boolean(flags.timers) }));
}
