import { handOverEarlyChild, type SpooledChild } from "./lib/spooled-child.js";
import { handOverHeadStart } from "./sources/linux-procfs/head-start.js";
import { readAhead } from "./sources/linux-procfs/read-ahead.js";

/** What src/start.ts decided before this bundle loaded: this namespace's TCP sockets, and the tables to begin reading (src/early-read.ts). */
export interface HeadStartPlan {
  procRoot: string;
  tcpSockets: number;
  tables: string[] | null;
  /** `ss -tainHO`, begun for -i's table without owners (src/early-read.ts, earlySs): one or two. */
  ss?: SpooledChild[];
}

/**
 * What dist/cli.cjs runs (started by src/start.ts): the head start it planned (the count,
 * and the early read of the socket tables, handed over to the run's first read), then the
 * CLI. One bundle holds both; the CLI's modules (commander and the rest) are evaluated only
 * at the import below, once the kernel has started printing.
 */
export async function run(args: readonly string[], plan?: HeadStartPlan): Promise<void> {
  if (plan) {
    for (const begun of plan.ss ?? []) handOverEarlyChild(begun);
    const paths = plan.tables?.map((file) => `${plan.procRoot}/net/${file}`);
    handOverHeadStart({ procRoot: plan.procRoot, tcpSockets: plan.tcpSockets, tables: paths && { paths, reads: readAhead(paths, { untilTaken: true }) } });
  }
  await (await import("./cli.js")).main(args);
}
