import { SUBCOMMAND_NAMES } from "./command-names.js";
import { readAheadEarly } from "./sources/linux-procfs/read-ahead.js";
import { OVERLAP_FROM, countEarly } from "./sources/linux-procfs/socket-count.js";

/**
 * The first thing bin/tcpstat.cjs runs (src/run.ts), before the CLI's modules are evaluated:
 * on a Linux server with many sockets, a command that will read the socket tables without
 * owners (`tcpstat summary`, `tcpstat --no-owners --json`, ...) has the kernel start printing
 * them now: this thread reads until a reader thread has started, which then reads on while
 * the CLI sets itself up (read-ahead.ts). At 100k sockets the kernel's printing of the tables
 * is the longest part of such a run (BENCHMARKS.md, issue 15).
 *
 * Only a guess from the command line, made to be safe: whatever it cannot be sure of
 * (another command, a namespace, a capture, help) starts nothing, and a guess the run does
 * not take is stopped (see readAhead) or, unused, keeps nobody waiting.
 */
export function readEarly(args: readonly string[], platform = process.platform, procRoot = "/proc"): void {
  if (platform !== "linux") return;
  const paths = earlyTables(args);
  if (!paths || countEarly(procRoot) < OVERLAP_FROM) return;
  readAheadEarly(paths.map((file) => `${procRoot}/net/${file}`));
}

/** Flags after which the run reads elsewhere, or not at once, or needs owners. */
const NOT_EARLY = new Set(["--input", "--source", "--netns", "--help", "--version", "--watch", "--count", "--pid", "--process", "--owners"]);
/** Commands that read no tables, or read them with owners, or more than once. */
const COMMANDS = new Set<string>([...SUBCOMMAND_NAMES.filter((name) => name !== "summary"), "help"]);

/** The tables the run will read ahead, in order, if the command line says so for sure; else null. */
export function earlyTables(args: readonly string[]): string[] | null {
  let tcp = false;
  let udp = false;
  let noOwners = false;
  let summary = false;
  const command = args.findIndex((a) => !a.startsWith("-"));
  for (const [i, arg] of args.entries()) {
    if (arg === "--") return null;
    const flag = arg.split("=")[0]!;
    if (NOT_EARLY.has(flag) || COMMANDS.has(arg)) return null;
    if (arg === "summary" && i === command) summary = true;
    if (flag === "--by" && (arg === "--by=process" || args[i + 1] === "process")) return null;
    if (arg === "--no-owners") noOwners = true;
    if (arg === "--tcp") tcp = true;
    if (arg === "--udp") udp = true;
    if (/^-[^-]/.test(arg)) {
      // A cluster of short flags (-tuln); -N (netns), -h, -V, -c (watch) take the run elsewhere.
      if (/[NhVc]/.test(arg)) return null;
      if (arg.includes("t")) tcp = true;
      if (arg.includes("u")) udp = true;
    }
  }
  if (!noOwners && !summary) return null;
  const files: string[] = [];
  if (tcp || !udp) files.push("tcp", "tcp6");
  if (udp) files.push("udp", "udp6");
  return files;
}
