import { usageError } from "../errors.js";
import { parsePids, parsePorts, parseStates, type FilterSubject, type SocketFilter } from "../lib/filter.js";
import { systemServices } from "../lib/services-file.js";
import { parseSsFilter } from "../lib/ss-filter.js";
import type { TcpState } from "../model/state.js";
import type { Family, Proto } from "../model/socket.js";
import type { FilterFlags } from "./source-options.js";

/**
 * The one builder of a SocketFilter, built once per run: the library's options (listSockets,
 * collectReport) come to it as they are, the command line's flags through toSocketFilter.
 *
 *   toFilter({ states: ["CLOSE_WAIT"], ports: [443] })   -> { protos: ["tcp"], states: {CLOSE_WAIT}, ports: 443-443, ... }
 *   toSocketFilter({ state: ["established"], filter: ["dport", "=", ":443"] })
 */
export interface FilterOptions {
  /** Default: ["tcp"]. */
  protos?: Proto[];
  /** Default: both. */
  families?: Family[];
  listening?: boolean;
  /** Any spelling or ss group: "CLOSE_WAIT", "time-wait", "connected". */
  states?: string[];
  /** Ports on either side: 443, "80,443", "8000-8100". */
  ports?: Array<number | string>;
  localPorts?: Array<number | string>;
  remotePorts?: Array<number | string>;
  pids?: number[];
  process?: string;
  /** Listeners on all interfaces or a public address only (implies exposure). */
  exposed?: boolean;
  /** Sockets held by a container of this name or id (prefix of at least 4 hex digits); implies who. */
  containers?: string[];
  /** Sockets held by a process in this systemd unit ("nginx" matches nginx.service); implies who. */
  units?: string[];
}

/** What the command line adds: ss's filter words, --src and --dst, pids as typed. */
interface TypedFilter {
  filter?: string[];
  src?: string[];
  dst?: string[];
  pidWords?: string[];
}

const strings = (values: Array<number | string> | undefined) => values?.map(String);

/** Turns the loose options into a checked filter (usage errors throw TcpstatError). */
export function toFilter(options: FilterOptions & TypedFilter = {}): SocketFilter {
  const services = systemServices();
  const { states, expression } = expressionFilter(options);
  const given = options.states ? parseStates(options.states) : undefined;
  const ports = strings(options.ports);
  const localPorts = strings(options.localPorts);
  const remotePorts = strings(options.remotePorts);
  return {
    protos: options.protos ?? ["tcp"],
    families: options.families ?? ["ipv4", "ipv6"],
    listening: options.listening,
    // A state given twice (--state and ss's `state` word) keeps the sockets in both.
    states: given && states ? new Set([...given].filter((s) => states.has(s))) : (given ?? states),
    ports: ports ? parsePorts(ports, "--port", services) : undefined,
    localPorts: localPorts ? parsePorts(localPorts, "--local-port", services) : undefined,
    remotePorts: remotePorts ? parsePorts(remotePorts, "--remote-port", services) : undefined,
    expression,
    pids: options.pidWords ? parsePids(options.pidWords) : options.pids ? new Set(options.pids) : undefined,
    process: options.process,
    exposed: options.exposed,
    containers: options.containers,
    units: options.units,
  };
}

/** The command line's flags as the one filter: protocols and families from -t -u -w -x -4 -6, the rest checked. */
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
  const filter = toFilter({
    protos,
    families,
    listening: flags.listening,
    states: flags.state,
    ports: flags.port,
    localPorts: flags.localPort,
    remotePorts: flags.remotePort,
    pidWords: flags.pid,
    process: flags.process,
    exposed: flags.exposed,
    filter: flags.filter,
    src: flags.src,
    dst: flags.dst,
  });
  filter.containers = nonEmpty(flags.container, "--container", "a container name or id, e.g. --container web");
  filter.units = nonEmpty(flags.unit, "--unit", "a systemd unit, e.g. --unit nginx.service");
  return filter;
}

function nonEmpty(values: string[] | undefined, flag: string, example: string): string[] | undefined {
  if (values?.some((v) => v.trim() === "")) throw usageError(`empty value for ${flag}`, `give ${example}`);
  return values;
}

/**
 * The ss filter typed after the options, --src and --dst, read once into one predicate:
 * `--src A,B --dst C` is `( src A or src B ) and ( dst C )` and the expression.
 */
function expressionFilter(options: TypedFilter): { states?: Set<TcpState>; expression?: (s: FilterSubject) => boolean } {
  if (!options.src && !options.dst && !(options.filter && options.filter.length > 0)) return {};
  const services = systemServices();
  const parts: Array<(s: FilterSubject) => boolean> = [];
  for (const [key, values] of [["src", options.src], ["dst", options.dst]] as const) {
    if (!values) continue;
    const hosts = values.flatMap((v) => v.split(",")).map((v) => v.trim());
    if (hosts.some((h) => h === "" || /\s/.test(h)))
      throw usageError(`empty or spaced address for --${key}`, `give addresses or prefixes, e.g. --${key} 10.0.0.0/8,[::1]`);
    const words = hosts.flatMap((h, i) => (i === 0 ? [key, h] : ["or", key, h]));
    parts.push(parseSsFilter(words, services).match!);
  }
  const typed = options.filter && options.filter.length > 0 ? parseSsFilter(options.filter, services) : undefined;
  if (typed?.match) parts.push(typed.match);
  const expression = parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : (s: FilterSubject) => parts.every((p) => p(s));
  return { states: typed?.states, expression };
}
