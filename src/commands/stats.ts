import { Command, Option } from "commander";
import { z } from "zod";
import { TcpstatError, usageError } from "../errors.js";
import { stdoutChalk, writeChunks } from "../io.js";
import { ownMeaning } from "./placement.js";
import { reportProblems } from "../load/remarks.js";
import { toJson } from "../lib/safe-text.js";

interface StatsFlags {
  interval?: string;
  rate?: boolean;
  all?: boolean;
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
  netns?: string;
}

const Seconds = z.coerce.number().finite().min(0.1).max(3600);

export function registerStats(program: Command): void {
  program.addCommand(
    new Command("stats")
      .description("kernel TCP/UDP counters from /proc/net/snmp and /proc/net/netstat, like netstat -s and nstat")
      .option("-i, --interval <seconds>", "read twice, SECONDS apart, and show rates per second")
      .option("--rate", "rates per second over one second (--interval 1)")
      .addOption(ownMeaning(new Option("-a, --all", "every counter the kernel has, by nstat name (like nstat -az)")))
      .option("-N, --netns <ns>", "the counters of that network namespace: a name (ip netns), a pid or a namespace file")
      .option("--json", "one JSON object")
      .option("-q, --quiet", "no notices on stderr")
      .option("--color", "force colour")
      .option("--no-color", "never colour")
      .action((flags: StatsFlags) => runStats(flags)),
  );
}

export async function runStats(flags: StatsFlags): Promise<void> {
  let seconds: number | null = null;
  if (flags.interval !== undefined) {
    const parsed = Seconds.safeParse(flags.interval);
    if (!parsed.success)
      throw usageError(`bad interval '${flags.interval}' for --interval`, "give seconds between 0.1 and 3600, e.g. --interval 5");
    seconds = parsed.data;
  } else if (flags.rate) seconds = 1;

  const { readKernelCounters } = await import("../sources/linux-procfs/read-counters.js");
  const { buildStats } = await import("../knowledge/counter-stats.js");
  const { renderStats } = await import("../format/stats.js");
  const read = await counterReader(flags.netns, readKernelCounters);
  const first = await read();
  let second = first;
  if (seconds !== null) {
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    second = await read();
  }
  if (!flags.quiet) reportProblems(second.problems);
  const stats = buildStats(first, seconds === null ? null : second, { all: Boolean(flags.all) });
  if (flags.json) {
    await writeChunks([`${toJson(stats, 2)}\n`]);
    return;
  }
  const chalk = await stdoutChalk(flags.color);
  await writeChunks(renderStats(stats, chalk));
}

/** This namespace's counters, or those of the one namespace -N names (read through a process inside it, as -N lists sockets). */
async function counterReader<T>(netns: string | undefined, read: (procDir?: string) => T): Promise<() => Promise<T>> {
  if (netns === undefined) return async () => read();
  const { resolveNetns, readInNamespace, netnsLabel, netnsTag } = await import("../sources/linux-procfs/netns.js");
  const namespaces = resolveNetns(netns);
  if (namespaces.length !== 1)
    throw usageError(`stats reads the counters of one namespace; -N ${netns} names ${namespaces.length}`, "give one name, pid or namespace file (tcpstat metrics -N all has every namespace's counters)");
  const ns = namespaces[0]!;
  return async () => {
    const value = await readInNamespace(ns, "/proc", (pidDir) => read(pidDir));
    if (value === null) throw new TcpstatError(`cannot read the counters of network namespace ${netnsLabel(netnsTag(ns))}: no process inside it could be read`, "run as a user who may read its processes");
    return value;
  };
}
