import { Command } from "commander";
import { usageError } from "../errors.js";
import { stdoutChalk, writeChunks, writeError } from "../io.js";
import { summarize } from "../lib/summarize.js";
import type { SocketFilter } from "../lib/filter.js";
import { countReport, loadReport } from "../load/load-report.js";
import { toSocketFilter } from "../load/socket-filter.js";
import { addSourceOptions, type SourceFlags } from "../load/source-options.js";
import { GROUP_KEYS } from "../model/group-keys.js";
import type { GroupKey, Summary, SummaryGroup } from "../model/report.js";
import { type Width, widthOf } from "../format/columns.js";
import { renderSummary, renderSummaryOneline } from "../format/summary.js";
import type { ListFlags } from "./list.js";
import { toJson } from "../lib/safe-text.js";
// zod (for --top and the --watch flags) and the watch engine load only when those flags are given:
// a plain `tcpstat summary` must cost little more than reading the tables.
import { addWatchOptions, type WatchFlags } from "./watch-options.js";

interface SummaryFlags extends SourceFlags, WatchFlags {
  by?: string;
  top?: string;
  json?: boolean;
  oneline?: boolean;
  color?: boolean;
}

const DEFAULT_TOP = 10;

export function registerSummary(program: Command): void {
  const cmd = new Command("summary")
    .description("count sockets per state (like ss -s), or per port, process, remote or local address")
    .option("--by <key>", `break down by ${GROUP_KEYS.join(", ")}`)
    .option("--top <n>", "with --by: groups shown by name, the rest summed (default 10)")
    .option("--json", "one JSON object")
    .option("--oneline", "one key=value line, for monitoring and logs")
    .option("--color", "force colour")
    .option("--no-color", "never colour");
  addWatchOptions(addSourceOptions(cmd)).action((flags: SummaryFlags) => runSummary(flags));
  program.addCommand(cmd);
}

async function checkFlags(flags: SummaryFlags): Promise<{ by?: GroupKey; top: number }> {
  if (flags.json && flags.oneline) throw usageError("conflicting formats: --json and --oneline", "choose one");
  let by: GroupKey | undefined;
  if (flags.by !== undefined) {
    const key = flags.by.toLowerCase();
    if (!(GROUP_KEYS as readonly string[]).includes(key))
      throw usageError(`unknown grouping '${flags.by}' for --by`, `choose one of: ${GROUP_KEYS.join(", ")}`);
    by = key as GroupKey;
  }
  if (flags.top !== undefined && !by) throw usageError("--top needs --by", "add --by port (or process, remote, local)");
  if (flags.top === undefined) return { by, top: DEFAULT_TOP };
  const { z } = await import("zod");
  const top = z.coerce.number().int().min(1).max(100_000).safeParse(flags.top);
  if (!top.success) throw usageError(`bad number '${flags.top}' for --top`, "give a whole number, 1 or more");
  return { by, top: top.data };
}

export async function runSummary(flags: SummaryFlags): Promise<void> {
  const { by, top } = await checkFlags(flags);
  const watching = flags.watch !== undefined || flags.count !== undefined;
  const plan = watching ? (await import("./watch.js")).watchPlan(flags) : null;
  const chalk = await stdoutChalk(flags.color);
  let readings = 0;
  // Built once, at the first reading (where its usage errors have always been said), for every frame.
  let built: SocketFilter | undefined;
  const filter = () => (built ??= toSocketFilter(flags));
  // Owners cost a scan of every process: only when the breakdown shows them (a pid or
  // process filter turns them on by itself in collectReport).
  const read = async (): Promise<Summary> => {
    // A capture is summarized as it is read (bounded memory); --by port needs it whole.
    const who = by === "container" || by === "unit";
    if (who && flags.input !== undefined) throw usageError(`--by ${by} reads this machine's cgroups; it cannot apply to --input`, "drop --input, or use --by process");
    if (flags.input !== undefined && by !== "port") return summarizeCapture({ ...flags, quiet: flags.quiet || readings++ > 0 }, { by, top }, filter());
    const quiet = flags.quiet || readings++ > 0;
    // Only counts: each socket is counted as it is read, never kept.
    if (!by) return countReport({ ...flags, quiet }, filter());
    const report = await loadReport({ ...flags, quiet }, { owners: (by === "process" || who) && flags.owners !== false, who: who && "cgroup" }, filter());
    return summarize(report.records, { by, top, source: report.source, problems: report.problems.length });
  };
  const render = async (summary: Summary, previous?: Summary): Promise<string[]> => {
    if (flags.json) return [`${toJson(summary, plan ? undefined : 2)}\n`];
    if (flags.oneline) return [renderSummaryOneline(summary)];
    return [...renderSummary(summary, { chalk, previous, udp: flags.udp, width: await groupWidth(summary) })];
  };
  if (!plan) {
    await writeChunks(await render(await read()));
    return;
  }
  let previous: Summary | undefined;
  const tty = Boolean(process.stdout.isTTY) && !flags.json && !flags.oneline;
  const { runFrames } = await import("./watch.js");
  await runFrames(
    plan,
    async () => {
      const summary = await read();
      const out = await render(summary, previous);
      previous = summary;
      return out;
    },
    { tty, header: flags.json || flags.oneline ? undefined : (time) => `--- ${time.toISOString()} ---\n` },
  );
}

/**
 * `summary --input FILE`: each chunk's sockets counted into one SummaryCounter (and, with
 * --by, one map of groups), then cut to the top N as summarize() does. `--by port` needs
 * every listener before it can label a connection, so it collects every record (loadReport).
 */
async function summarizeCapture(flags: SourceFlags, options: { by?: GroupKey; top: number }, filter: SocketFilter): Promise<Summary> {
  const [{ captureBatches, captureName }, { Remarks }, { otherHolders }, { SummaryCounter, countGroup, groupLabeler, rankGroups }] = await Promise.all([
    import("../load/read-capture.js"),
    import("../load/remarks.js"),
    import("../lib/owners.js"),
    import("../lib/summarize.js"),
  ]);
  const remarks = new Remarks();
  const counter = new SummaryCounter();
  const groups = new Map<string, SummaryGroup>();
  let shared = 0;
  let source = "input";
  for await (const batch of captureBatches(flags, filter, remarks.long)) {
    remarks.add(batch);
    source = `input:${batch.format}`;
    const label = options.by && groupLabeler(options.by, batch.records);
    for (const r of batch.records) {
      counter.add(r);
      if (label) countGroup(groups, label(r), r);
      if (otherHolders(r) > 0) shared++;
    }
  }
  remarks.say(captureName(flags.input as string), flags);
  const summary = counter.summary({ source, problems: remarks.problems });
  const by = options.by ? rankGroups(groups.values(), options.by, options.top) : null;
  // A socket several processes hold counts once, under the one shown (as summarize() says).
  if (by && options.by === "process") by.shared = shared;
  return { ...summary, by };
}

/** Columns on screen of the groups' names: string-width (and its Unicode tables) only for a name that is not plain ASCII. */
function groupWidth(summary: Summary): Promise<Width> {
  return widthOf(summary.by?.top ?? [], (g) => g.key);
}

/**
 * `tcpstat -s`, as `ss -s`: the summary of the sockets the other flags select, then one line
 * on stderr naming `tcpstat stats` for the kernel's counters (what `netstat -s` prints).
 */
export async function runListSummary(flags: ListFlags): Promise<void> {
  const other = [flags.ndjson && "--ndjson", flags.format !== undefined && "--format", flags.timers && "-o", flags.info && "-i", flags.extended && "-e", flags.memory && "-m", flags.header === false && "-H", flags.raw && "-w", flags.unix && "-x"].filter(Boolean);
  if (other.length > 0) throw usageError(`-s (the summary) does not go with ${other.join(", ")}`, "tcpstat -s takes the selection flags, --json and --watch");
  await runSummary(flags);
  if (!flags.quiet) writeError("tcpstat: the kernel's TCP counters (what netstat -s prints): tcpstat stats");
}
