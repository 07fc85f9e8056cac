/** The one ss command line -i reads tcp_info from, joined to the sockets by inode (collect-info.ts). */
export const SS_INFO_ARGS = ["-tainHOe"] as const;

/**
 * The sockets whose local or peer port is in the lower half of Linux's default ephemeral range
 * (32768-60999): about half of a server's connections (their peers' ports) and half of a
 * client's (their own), whichever side holds the well-known port.
 */
const LOWER_EPHEMERAL = "( sport >= :32768 and sport < :46884 ) or ( dport >= :32768 and dport < :46884 )";

/**
 * What -i's table without owners reads its rows from (collect-rows.ts): `ss -tainHO`, no -e,
 * since it needs neither inode nor uid. Where there are two cores or more, two ss run at once,
 * on two halves of the sockets that no socket can leave (a filter on its ports and its
 * negation): ss's formatting, most of its time, is done by two processes in parallel
 * (BENCHMARKS.md, issue 18, fifth pass). src/start.ts may begin them before the CLI loads.
 */
export function ssRowCommands(cores: number): string[][] {
  return cores >= 2 ? [["-tainHO", LOWER_EPHEMERAL], ["-tainHO", `not ( ${LOWER_EPHEMERAL} )`]] : [["-tainHO"]];
}

/** The most the row commands may print each (collect-rows.ts); a spool for them needs that much room. */
export const SS_ROW_MAX_BYTES = 512 * 1024 * 1024;
