import { CLI_OPTIONS } from "./cli-options.js";
import { readCommandLine, type CommandLine } from "./lib/command-line.js";

/**
 * Whether the run begins reading the socket tables before the CLI's modules are evaluated
 * (src/start.ts decides, src/run.ts begins, sources/linux-procfs/head-start.ts hands the
 * reading over): on a Linux server with many sockets, a command that will read the tables
 * without owners (`tcpstat summary`, `tcpstat --no-owners --json`, ...) has the kernel start
 * printing them while the CLI sets itself up. At 100k sockets the tables take the kernel
 * longer than any other part of such a run (BENCHMARKS.md, "Issue 15: the early read").
 *
 * Taken from the command line as commander will read it (src/lib/command-line.ts, over
 * commander's own definitions): whatever the line does not make sure of (another command, a
 * namespace, a capture, help, a usage error) begins nothing, and a reading the run does not
 * take is stopped or, unused, keeps nobody waiting.
 */

/** Options after which the run reads elsewhere, or not at once, or needs owners (by commander's names). */
const NOT_EARLY = ["input", "source", "netns", "help", "version", "watch", "count", "pid", "process"];

/** The tables the run will read first, in order, if the command line says so for sure; else null. */
export function earlyTables(args: readonly string[], line: CommandLine | null = readCommandLine(CLI_OPTIONS, args)): string[] | null {
  if (!line || (line.command !== undefined && line.command !== "summary")) return null;
  const { opts } = line;
  if (NOT_EARLY.some((name) => opts[name] !== undefined) || opts.by === "process") return null;
  // The listing reads owners unless told not to; summary reads none (but --by process).
  if (line.command === undefined && opts.owners !== false) return null;
  // -i's table without owners (TCP, no timers) is read from ss alone (src/commands/list.ts, runInfoTable).
  if (line.command === undefined && opts.info && !opts.timers && !opts.udp) return null;
  const files: string[] = [];
  if (opts.tcp || !opts.udp) files.push("tcp", "tcp6");
  if (opts.udp) files.push("udp", "udp6");
  return files;
}

/** The listing's options that leave `-i --no-owners` on its route from ss alone (src/commands/list.ts, runInfoTable). */
const SS_ALONE = new Set(["info", "owners", "tcp", "numeric", "all", "listening", "state", "port", "localPort", "remotePort", "src", "dst", "quiet", "header", "color"]);

/**
 * Whether the command line says for sure that the run is -i's table without owners, read from
 * one `ss -tainHO` (src/commands/list.ts, infoRowsFromSs): then src/start.ts begins ss before
 * the CLI loads, and the run takes it over (src/lib/spooled-child.ts). Any option outside a few
 * that keep that route (a format, timers, UDP, owners, another source or place) begins nothing.
 */
export function earlySs(args: readonly string[], line: CommandLine | null = readCommandLine(CLI_OPTIONS, args)): boolean {
  if (!line || line.command !== undefined) return false;
  const { opts } = line;
  return opts.info === true && opts.owners === false && Object.keys(opts).every((name) => SS_ALONE.has(name)) && opts.tcp !== false;
}
