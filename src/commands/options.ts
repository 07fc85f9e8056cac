import { Option, type Command } from "commander";
import { usageError } from "../errors.js";
import { parsePids, parsePorts, parseStates, type FilterSubject, type SocketFilter } from "../lib/filter.js";
import { systemServices } from "../lib/services-file.js";
import { parseSsFilter } from "../lib/ss-filter.js";
import type { TcpState } from "../model/state.js";
import type { Family, Proto } from "../model/socket.js";

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

export function toSocketFilter(flags: FilterFlags): SocketFilter {
  const protos: Proto[] = [];
  // TCP unless another kind is asked for, as ss -u, -w, -x list only theirs.
  if (flags.tcp || !(flags.udp || flags.raw || flags.unix)) protos.push("tcp");
  if (flags.udp) protos.push("udp");
  if (flags.raw) protos.push("raw");
  if (flags.unix) protos.push("unix");
  const families: Family[] = [];
  if (flags.ipv4 || !flags.ipv6) families.push("ipv4");
  if (flags.ipv6 || !flags.ipv4) families.push("ipv6");
  if (flags.process !== undefined && flags.process.trim() === "")
    throw usageError("empty name for --process", "give part of a process name, e.g. --process nginx");
  const services = systemServices();
  const { states, expression } = expressionFilter(flags);
  const flagStates = flags.state ? parseStates(flags.state) : undefined;
  return {
    protos,
    families,
    listening: flags.listening,
    states: flagStates && states ? new Set([...flagStates].filter((s) => states.has(s))) : (flagStates ?? states),
    ports: flags.port ? parsePorts(flags.port, "--port", services) : undefined,
    localPorts: flags.localPort ? parsePorts(flags.localPort, "--local-port", services) : undefined,
    remotePorts: flags.remotePort ? parsePorts(flags.remotePort, "--remote-port", services) : undefined,
    expression,
    pids: flags.pid ? parsePids(flags.pid) : undefined,
    process: flags.process,
    exposed: flags.exposed,
    containers: nonEmpty(flags.container, "--container", "a container name or id, e.g. --container web"),
    units: nonEmpty(flags.unit, "--unit", "a systemd unit, e.g. --unit nginx.service"),
  };
}

function nonEmpty(values: string[] | undefined, flag: string, example: string): string[] | undefined {
  if (values?.some((v) => v.trim() === "")) throw usageError(`empty value for ${flag}`, `give ${example}`);
  return values;
}

/**
 * The ss filter typed after the options, --src and --dst, read once into one predicate:
 * `--src A,B --dst C` is `( src A or src B ) and ( dst C )` and the expression.
 */
function expressionFilter(flags: FilterFlags): { states?: Set<TcpState>; expression?: (s: FilterSubject) => boolean } {
  const services = systemServices();
  const parts: Array<(s: FilterSubject) => boolean> = [];
  for (const [key, values] of [["src", flags.src], ["dst", flags.dst]] as const) {
    if (!values) continue;
    const hosts = values.flatMap((v) => v.split(",")).map((v) => v.trim());
    if (hosts.some((h) => h === "" || /\s/.test(h)))
      throw usageError(`empty or spaced address for --${key}`, `give addresses or prefixes, e.g. --${key} 10.0.0.0/8,[::1]`);
    const words = hosts.flatMap((h, i) => (i === 0 ? [key, h] : ["or", key, h]));
    parts.push(parseSsFilter(words, services).match!);
  }
  const typed = flags.filter && flags.filter.length > 0 ? parseSsFilter(flags.filter, services) : undefined;
  if (typed?.match) parts.push(typed.match);
  const expression = parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : (s: FilterSubject) => parts.every((p) => p(s));
  return { states: typed?.states, expression };
}
