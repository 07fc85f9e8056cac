import { Command } from "commander";
import { z } from "zod";
import { usageError } from "../../errors.js";
import { stdoutChalk } from "../../io.js";
import { addExamples } from "../help.js";
import { addFilterOptions, type FilterFlags } from "../../load/source-options.js";

/**
 * `tcpstat top`: the live, interactive view of the connections (issue 20), TCPView's for a
 * terminal. Options are checked here; the session (session.ts) reads, draws and answers keys.
 */
interface TopFlags extends FilterFlags {
  interval?: string;
  trace?: boolean;
  quiet?: boolean;
  color?: boolean;
}

const Seconds = z.coerce.number().finite().min(0.1).max(3600);
export const DEFAULT_TOP_SECONDS = 1;
/** How far past the live heap V8 may grow it before the next full collection, in top. */
const TOP_HEAP_GROWING_PERCENT = 15;

export function registerTop(program: Command): void {
  const cmd = addFilterOptions(new Command("top"));
  addExamples(cmd, [
    { what: "the live view, TCPView's for a terminal", tcpstat: "tcpstat top" },
    { what: "refresh every 5 seconds, established connections only", tcpstat: "tcpstat top --interval 5 --state established" },
    { what: "a big machine: no holders read (far cheaper refreshes)", tcpstat: "tcpstat top --no-owners" },
  ]);
  program.addCommand(
    cmd
      .description("live interactive view of the connections, like TCPView: bytes/s, new/gone highlighted, sort, filter, close, kill")
      .option("--interval <seconds>", `refresh every SECONDS (default ${DEFAULT_TOP_SECONDS}; slower by itself on a big table)`)
      .option("--no-trace", "no transitions/s in the header (trace's tracefs instance is not started)")
      .option("-q, --quiet", "no notices on stderr")
      .option("--color", "force colour")
      .option("--no-color", "never colour")
      .action((flags: TopFlags) => runTop(flags)),
  );
}

export async function runTop(flags: TopFlags): Promise<void> {
  let intervalMs = DEFAULT_TOP_SECONDS * 1000;
  if (flags.interval !== undefined) {
    const parsed = Seconds.safeParse(flags.interval);
    if (!parsed.success) throw usageError(`bad interval '${flags.interval}' for --interval`, "give seconds between 0.1 and 3600, e.g. --interval 2");
    intervalMs = parsed.data * 1000;
  }
  if (!process.stdout.isTTY || !process.stdin.isTTY)
    throw usageError("top needs a terminal", "for a pipe or a file use tcpstat --watch (a table each interval) or tcpstat --watch --ndjson (events)");
  if (process.platform !== "linux") throw usageError("tcpstat top reads Linux's socket tables live", "elsewhere use tcpstat --watch");
  const chalk = await stdoutChalk(flags.color);
  const { runTopSession } = await import("./session.js");
  const { withHeapGrowing } = await import("../../lib/heap-growing.js");
  // Each refresh makes a new reading (a record per socket) and drops the last: with its own
  // growing factor V8 let the heap grow to two or three times what survives a collection
  // (BENCHMARKS.md, issue 20, third to fifth passes: with less made each refresh, 15% no longer
  // costs the refresh its second). Set at start: set after the first frame, the limit the first
  // reading's last collection had set under V8's own factor stood until the heap reached it
  // (RSS 339-365 MB in some runs).
  const code = await withHeapGrowing(TOP_HEAP_GROWING_PERCENT, () => runTopSession({ flags, intervalMs, chalk, trace: flags.trace !== false }));
  process.exit(code);
}
