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
  if (process.platform === "linux" && tcpSocketCount("/proc") >= KEEP_YOUNG_SMALL_FROM) keepYoungGenerationSmall();
  const bundle = fileURLToPath(new URL("./cli.cjs", import.meta.url));
  const cli = requireCached(bundle, `${bundle}.v8cache`) as { run(args: readonly string[]): Promise<void> };
  void cli.run(args);
}

/**
 * A run over a big table holds one record per socket to the end: letting V8 grow the young
 * generation for them only adds RSS (25 MB at 100k sockets, no time saved). On a small table
 * the flag changes nothing (at 1k sockets: -0.1 ms, 101 paired runs), but node:v8 takes 3 ms to
 * load: only big tables pay for it. The flag is set before the bundle is compiled, never later:
 * V8 flags are part of a code cache's key, and a cache written after a change would be refused
 * by the next run.
 */
function keepYoungGenerationSmall(): void {
  const { setFlagsFromString } = createRequire(import.meta.url)("node:v8") as typeof import("node:v8");
  setFlagsFromString("--semi-space-growth-factor=1");
}
