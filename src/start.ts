import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { requireCached } from "./lib/code-cache.js";
import { tcpSocketCount } from "./sources/linux-procfs/socket-count.js";

/** From this many TCP sockets on, a run keeps V8's young generation at its first size. */
export const KEEP_YOUNG_SMALL_FROM = 5000;

/**
 * What bin/tcpstat.cjs runs (dist/start.cjs): the run's memory policy, then the CLI bundle
 * (dist/cli.cjs, src/run.ts), compiled with a code cache kept beside it (src/lib/code-cache.ts).
 */
export function start(args: readonly string[]): void {
  const tcpSockets = ownSocketCount(args);
  if (mayReadMany(args, process.platform, "/proc", tcpSockets)) keepYoungGenerationSmall();
  const bundle = fileURLToPath(new URL("./cli.cjs", import.meta.url));
  const cli = requireCached(bundle, `${bundle}.v8cache`) as { run(args: readonly string[], tcpSockets?: number): Promise<void> };
  void cli.run(args, tcpSockets);
}

/** --input FILE, --netns NS, -N NS, and -N in a cluster of short flags (-tN 1): sockets from elsewhere. */
const readsElsewhere = (args: readonly string[]) => args.some((arg) => /^--(input|netns)(=|$)/.test(arg) || /^-[^-]*N/.test(arg));

/** This Linux namespace's TCP sockets (/proc/net/sockstat), when the run reads them; else undefined. */
function ownSocketCount(args: readonly string[], platform = process.platform, procRoot = "/proc"): number | undefined {
  return platform === "linux" && !readsElsewhere(args) && args.find((arg) => !arg.startsWith("-")) !== "trace" ? tcpSocketCount(procRoot) : undefined;
}

/**
 * Whether the run may read many sockets: this Linux namespace holds many, or the run reads
 * elsewhere, where their number is not known before (a replayed capture: a million rows of
 * one peaked above the bound of test/hardening/big-input.test.ts on node 24 without the flag;
 * other namespaces). A wrong yes costs little (BENCHMARKS.md, issue 15).
 */
export function mayReadMany(args: readonly string[], platform = process.platform, procRoot = "/proc", tcpSockets = ownSocketCount(args, platform, procRoot)): boolean {
  // `trace` holds few objects but makes many short-lived ones: a small young generation
  // had it spend a third of its time collecting (BENCHMARKS.md, "trace").
  if (args.find((arg) => !arg.startsWith("-")) === "trace") return false;
  return readsElsewhere(args) || (tcpSockets ?? 0) >= KEEP_YOUNG_SMALL_FROM;
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
