import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AheadRead } from "./read-ahead.js";

/** From this many TCP sockets on, the tables are read ahead in a thread and owners scanned in a worker. */
export const OVERLAP_FROM = 5000;

/**
 * What the run did before the CLI loaded, for its first read of the socket tables to take
 * over: src/start.ts counted this namespace's TCP sockets and, when the command line said for
 * sure that the tables follow without owners (src/early-read.ts), src/run.ts began reading
 * them (read-ahead.ts). The one piece of state handed to the run; each part is taken once.
 */
export interface HeadStart {
  procRoot: string;
  /** TCP sockets there, counted before the CLI loaded; undefined once taken. */
  tcpSockets?: number;
  /** The tables being read ahead ("/proc/net/tcp", ...), in order, with their reads; undefined once taken. */
  tables?: { paths: readonly string[]; reads: AheadRead[] };
}

let headStart: HeadStart | undefined;

/** Hands the head start over to the run's first read (src/run.ts). Until taken, its reader keeps nobody alive. */
export function handOverHeadStart(start: HeadStart): void {
  headStart = start;
}

/**
 * TCP sockets in this namespace (in use and TIME_WAIT, IPv4 and IPv6), from
 * /proc/net/sockstat{,6} (tiny files); 0 if unknown. The first count of a run is the one made
 * before the CLI loaded, if any; later ones (--watch frames) count afresh.
 */
export function countTcpSockets(procRoot: string): number {
  const taken = headStart?.procRoot === procRoot ? headStart.tcpSockets : undefined;
  if (headStart) headStart.tcpSockets = undefined;
  if (taken !== undefined) return taken;
  let count = 0;
  for (const file of ["sockstat", "sockstat6"]) {
    let text: string;
    try {
      text = readFileSync(join(procRoot, "net", file), "latin1");
    } catch {
      continue;
    }
    // "TCP: inuse 5 orphan 0 tw 2 alloc 7 mem 1" (sockstat) and "TCP6: inuse 3" (sockstat6)
    const line = /^TCP6?: (.*)$/m.exec(text)?.[1] ?? "";
    for (const key of ["inuse", "tw"]) count += Number(new RegExp(`\\b${key} (\\d+)`).exec(line)?.[1] ?? 0);
  }
  return count;
}

/** The head start's reads if it began reading these files, in this order, taken once; else undefined (and a reading of others stopped). */
export function takeEarlyReads(paths: readonly string[]): AheadRead[] | undefined {
  const begun = headStart?.tables;
  if (headStart) headStart.tables = undefined;
  if (begun?.paths.join("\n") === paths.join("\n")) {
    begun.reads[0]?.keep();
    return begun.reads;
  }
  for (const read of begun?.reads ?? []) read.stop();
  return undefined;
}
