import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** The one ss command line -i reads tcp_info from, joined to the sockets by inode (collect-info.ts). */
export const SS_INFO_ARGS = ["-tainHOe"] as const;

/**
 * Where the two halves part: the middle of this network namespace's ephemeral port range
 * (/proc/sys/net/ipv4/ip_local_port_range; Linux's default 32768-60999 when it cannot be read).
 */
export function ephemeralMiddle(procRoot = "/proc"): number {
  try {
    const [low, high] = readFileSync(`${procRoot}/sys/net/ipv4/ip_local_port_range`, "latin1").trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low! > 0 && high! >= low! && high! < 65536) return Math.ceil((low! + high!) / 2);
  } catch {
    // not Linux, or no /proc: the default range
  }
  return 46884;
}

/**
 * What -i's table without owners reads its rows from (collect-rows.ts): `ss -tainHO`, no -e,
 * since it needs neither inode nor uid. Where there are two cores or more, two ss run at once
 * on two halves of the sockets, split by a filter and its negation so that no socket is in
 * both or neither: ss's formatting, most of its time, is done by two processes in parallel
 * (BENCHMARKS.md, issue 18, fifth pass). src/start.ts may begin them before the CLI loads.
 *
 * The halves: both ports below the middle of the ephemeral range, or both at or above it.
 * A connection has one ephemeral port and one it was given (the server's), on both of its
 * sockets: whichever side the given port is on, the split follows the ephemeral one, which
 * the kernel spreads over the range. A listener (peer port 0) goes by its own port.
 */
export function ssRowCommands(cores = availableParallelism(), middle = ephemeralMiddle()): string[][] {
  if (cores < 2) return [["-tainHO"]];
  const half = `( sport < :${middle} and dport < :${middle} ) or ( sport >= :${middle} and dport >= :${middle} )`;
  return [
    ["-tainHO", half],
    ["-tainHO", `not ( ${half} )`],
  ];
}

/** The most the row commands may print each (collect-rows.ts); a spool for them needs that much room. */
export const SS_ROW_MAX_BYTES = 512 * 1024 * 1024;
