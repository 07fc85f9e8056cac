import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { CLI_OPTIONS } from "./cli-options.js";
import { earlySs, earlyTables } from "./early-read.js";
import { systemTool } from "./lib/exec.js";
import { beginChild, type SpooledChild } from "./lib/spooled-child.js";
import { requireCached } from "./lib/code-cache.js";
import { readCommandLine, type CommandLine } from "./lib/command-line.js";
import { OVERLAP_FROM, countTcpSockets } from "./sources/linux-procfs/head-start.js";
import { SS_ROW_MAX_BYTES, ssRowCommands } from "./sources/linux-ss/ss-info-args.js";
import type { HeadStartPlan } from "./run.js";

/** From this many TCP sockets on, a run keeps V8's young generation at its first size. */
export const KEEP_YOUNG_SMALL_FROM = 5000;

/**
 * What bin/tcpstat.cjs runs (dist/start.cjs): the run's memory policy, then the CLI bundle
 * (dist/cli.cjs, src/run.ts), compiled with a code cache kept beside it (src/lib/code-cache.ts).
 * Both, and the early read, are decided here, from one reading of the command line by
 * commander's definitions (src/lib/command-line.ts); the CLI's commander parse decides the rest.
 */
export function start(args: readonly string[]): void {
  const line = readCommandLine(CLI_OPTIONS, args);
  const tcpSockets = ownSocketCount(line);
  if (mayReadMany(args, process.platform, "/proc", line, tcpSockets)) keepYoungGenerationSmall();
  const plan: HeadStartPlan | undefined =
    tcpSockets === undefined ? undefined : { procRoot: "/proc", tcpSockets, tables: tcpSockets >= OVERLAP_FROM ? earlyTables(args, line) : null, ss: tcpSockets >= OVERLAP_FROM ? startSs(args, line) : undefined };
  const bundle = fileURLToPath(new URL("./cli.cjs", import.meta.url));
  const cli = requireCached(bundle, `${bundle}.v8cache`) as { run(args: readonly string[], plan?: HeadStartPlan): Promise<void> };
  void cli.run(args, plan);
}

/**
 * ss for -i's table without owners, begun now when the command line says so for sure
 * (src/early-read.ts) and ss is where exec looks for it: into a spool, it prints all it has
 * while the CLI loads (BENCHMARKS.md, issue 18, fifth pass).
 */
function startSs(args: readonly string[], line: CommandLine | null): SpooledChild[] | undefined {
  if (!earlySs(args, line)) return undefined;
  let path: string;
  try {
    path = systemTool("ss");
  } catch {
    return undefined; // the run says so, in its own words
  }
  return ssRowCommands().map((ssArgs) => beginChild(path, ssArgs, SS_ROW_MAX_BYTES));
}

/** --input FILE or -N/--netns NS, for any command: sockets from elsewhere. */
const readsElsewhere = (line: CommandLine | null) => line?.opts.input !== undefined || line?.opts.netns !== undefined;

/** This Linux namespace's TCP sockets (/proc/net/sockstat), when the run reads them; else undefined. */
function ownSocketCount(line: CommandLine | null, platform = process.platform, procRoot = "/proc"): number | undefined {
  return platform === "linux" && !readsElsewhere(line) && line?.command !== "trace" ? countTcpSockets(procRoot) : undefined;
}

/**
 * Whether the run may read many sockets: this Linux namespace holds many, or the run reads
 * elsewhere, where their number is not known before (a replayed capture: a million rows of
 * one peaked above the bound of test/hardening/big-input.test.ts on node 24 without the flag;
 * other namespaces). A wrong yes costs little (BENCHMARKS.md, issue 15).
 */
export function mayReadMany(
  args: readonly string[],
  platform = process.platform,
  procRoot = "/proc",
  line = readCommandLine(CLI_OPTIONS, args),
  tcpSockets = ownSocketCount(line, platform, procRoot),
): boolean {
  // `trace` holds few objects but makes many short-lived ones: a small young generation
  // had it spend a third of its time collecting (BENCHMARKS.md, "trace").
  if (line?.command === "trace") return false;
  return readsElsewhere(line) || (tcpSockets ?? 0) >= KEEP_YOUNG_SMALL_FROM;
}

/**
 * A run over a big table holds one record per socket to the end: letting V8 grow the young
 * generation for them only adds RSS, no time saved. On a small table the flag changes nothing,
 * but loading node:v8 costs time: only big tables pay for it (BENCHMARKS.md,
 * issue 15). The flag is set before the bundle is compiled, never later:
 * V8 flags are part of a code cache's key, and a cache written after a change would be refused
 * by the next run. (A run with the flag after one without, or the reverse, still finds a cache
 * made under the other flags: it compiles as before and writes its own.)
 */
function keepYoungGenerationSmall(): void {
  const { setFlagsFromString } = createRequire(import.meta.url)("node:v8") as typeof import("node:v8");
  setFlagsFromString("--semi-space-growth-factor=1");
}
