import { Option, type Command } from "commander";
import { TcpstatError, usageError } from "../errors.js";

/**
 * The flags that choose which sockets a command reads and where from: their commander
 * registration, their types as commander hands them over, and the checks that need no
 * reading. Every command that reads sockets registers them here and hands them to
 * loadReport (load-report.ts); the filters among them become one SocketFilter (socket-filter.ts).
 */

/** Options as commander hands them over. */
export interface FilterFlags {
  tcp?: boolean;
  udp?: boolean;
  /** -w/--raw and -x/--unix: the listing's only (src/commands/list.ts). */
  raw?: boolean;
  unix?: boolean;
  listening?: boolean;
  ipv4?: boolean;
  ipv6?: boolean;
  state?: string[];
  port?: string[];
  localPort?: string[];
  remotePort?: string[];
  pid?: string[];
  process?: string;
  owners?: boolean;
  exposed?: boolean;
  container?: string[];
  unit?: string[];
  src?: string[];
  dst?: string[];
  /** ss's filter language typed after the options (the listing's operands). */
  filter?: string[];
}

/** Flags of every command that reads sockets: selection, source and notices. */
export interface SourceFlags extends FilterFlags {
  source?: string;
  netns?: string;
  netnsLimit?: string;
  quiet?: boolean;
  input?: string;
  inputFormat?: string;
  byteOrder?: string;
  verbose?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * How a command reads sockets, so that its --help lists only the flags that do something there:
 * "tcp" (the default: -t, -u, -tu), "both" (metrics: TCP and UDP unless -t or -u), "tcp-only"
 * (doctor, explain: -t is accepted, -u is not registered); `owners: false` leaves out --no-owners
 * where owners are never read (explain's counts).
 */
export interface FilterShape {
  protos?: "tcp" | "both" | "tcp-only";
  owners?: boolean;
  /** -a, -n, -p: accepted everywhere for netstat habit, listed only where asked (the listing). */
  habits?: boolean;
}

const PROTO_HELP = {
  tcp: ["TCP sockets (the default)", "UDP sockets (-tu: both)"],
  both: ["TCP sockets only (default: TCP and UDP)", "UDP sockets only (default: TCP and UDP)"],
  "tcp-only": ["TCP sockets (always: this command looks at TCP only)", ""],
} as const;

/** The selection flags netstat and ss users type, shared by every command that lists sockets. */
export function addFilterOptions(cmd: Command, shape: FilterShape = {}): Command {
  const protos = shape.protos ?? "tcp";
  const habit = (flags: string, help: string) => (shape.habits ? new Option(flags, help) : new Option(flags, help).hideHelp());
  const tcp = new Option("-t, --tcp", PROTO_HELP[protos][0]);
  cmd.addOption(protos === "tcp-only" ? tcp.hideHelp() : tcp);
  if (protos !== "tcp-only") cmd.option("-u, --udp", PROTO_HELP[protos][1]);
  cmd
    .option("-l, --listening", "listening sockets only (TCP LISTEN, unconnected UDP)")
    .option("-4, --ipv4", "IPv4 only")
    .option("-6, --ipv6", "IPv6 only (IPv4-mapped addresses count as IPv6)")
    .addOption(habit("-a, --all", "all sockets (accepted for netstat habit; the default)"))
    .addOption(habit("-n, --numeric", "numeric addresses (accepted: the default; -r asks for names)"))
    .addOption(habit("-p, --programs", "owning processes (accepted; shown by default)"));
  if (shape.owners !== false) cmd.option("--no-owners", "skip resolving owning processes (faster on big machines)");
  return cmd
    .option("--state <states>", "states, comma-separated or repeated, any spelling or ss group (connected, synchronized, bucket, big)", collect)
    .option("--port <ports>", "local or remote port: 443, :443, http, 80,443, 8000-8100", collect)
    .option("--local-port <ports>", "local port, list or range", collect)
    .option("--remote-port <ports>", "remote port, list or range", collect)
    .option("--src <addresses>", "local address or prefix, ss's src: 10.0.0.1, 10.0.0.0/8, [::1]:22 (list: any)", collect)
    .option("--dst <addresses>", "remote address or prefix, ss's dst: 192.168.0.0/16, [2001:db8::]/32, *:443 (list: any)", collect)
    .option("--pid <pids>", "owning process id(s)", collect)
    .addOption(new Option("--process <name>", "owning process name (case-insensitive substring)"))
    .option("--exposed", "listeners reachable from other machines only: bound to all interfaces or a public address")
    .option("--container <name|id>", "held by a container (Docker/Podman name, Kubernetes pod or container name, or id prefix); repeatable", collect)
    .option("--unit <name>", "held by a process in a systemd unit (nginx = nginx.service); repeatable", collect);
}


/** Where sockets come from, and whether to speak on stderr. Shared by list, summary, doctor, ... */
export function addSourceOptions(cmd: Command, shape: FilterShape = {}): Command {
  return addFilterOptions(cmd, shape)
    .option("--source <name>", "force a socket source instead of the platform's default")
    .option("-N, --netns <ns>", "network namespace(s): a name (ip netns), a pid, a namespace file, or all")
    .option("--netns-limit <n>", "most namespaces -N all reads; a notice names those left out (default 64)")
    .option("-q, --quiet", "no notices on stderr")
    .option("--input <file>", "replay captured output (netstat, ss, lsof, sockstat, /proc/net/*; - for stdin) instead of reading this machine")
    .option("--input-format <name>", "the format of --input, instead of detecting it")
    .option("--byte-order <order>", "byte order of a replayed /proc/net dump: le or be (default: detected)")
    .option("-v, --verbose", "say on stderr where the sockets came from (source, detected input format)");
}

/** --netns-limit N: only with -N all, a whole number from 1. */
export function parseNetnsLimit(flags: Pick<SourceFlags, "netns" | "netnsLimit">): number | undefined {
  if (flags.netnsLimit === undefined) return undefined;
  if (flags.netns?.trim() !== "all") throw usageError("--netns-limit applies only to -N all", "add -N all, or drop --netns-limit");
  const n = Number(flags.netnsLimit.trim());
  if (!/^\d+$/.test(flags.netnsLimit.trim()) || n < 1 || n > 1_000_000) throw usageError(`bad --netns-limit '${flags.netnsLimit}'`, "give how many namespaces -N all may read, 1-1000000 (default 64)");
  return n;
}

/** The flags that cannot go with --input, and --byte-order's value: checked before --input is read. */
export function checkInputFlags(flags: SourceFlags): "le" | "be" | undefined {
  if (flags.source !== undefined) throw usageError("--input and --source both choose where sockets come from", "give one of them");
  if (flags.netns !== undefined) throw usageError("--netns reads this machine's namespaces; it cannot apply to --input", "drop --netns");
  const order = flags.byteOrder?.toLowerCase();
  if (order !== undefined && order !== "le" && order !== "be") throw usageError(`bad byte order '${flags.byteOrder}'`, "use --byte-order le or --byte-order be");
  return order;
}

/** An --input file that cannot be read (missing, a directory, not allowed), said in words. */
export function inputReadError(file: string, error: unknown): TcpstatError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : (error as Error).message;
  return new TcpstatError(`cannot read --input ${file}: ${why}`, "give the path of a captured netstat, ss, lsof, sockstat or /proc/net output, or - for stdin");
}
