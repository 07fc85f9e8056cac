import type { Command } from "commander";

/**
 * The `--watch` flags on their own: the list command declares them at every start, and the
 * watch engine (watch.ts, with its validation and redraw code) loads only when they are used.
 */

export interface WatchFlags {
  watch?: string | boolean;
  count?: string;
}

export const DEFAULT_WATCH_SECONDS = 2;

/** The two options, for every command that can watch. */
export function addWatchOptions(cmd: Command): Command {
  return cmd
    .option("-c, --watch [seconds]", `continuous, as netstat -c: refresh every SECONDS (default ${DEFAULT_WATCH_SECONDS}), marking what changed`)
    .option("--count <n>", "with --watch: stop after N frames");
}
