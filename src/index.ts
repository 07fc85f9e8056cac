/**
 * tcpstat's library API: the same records, filters and schemas the CLI uses.
 *
 *   import { listSockets } from "tcpstat";
 *   const waiting = await listSockets({ states: ["CLOSE_WAIT"] });
 */
import { makePredicate, parsePorts, parseStates, filterNeedsOwners, type SocketFilter } from "./lib/filter.js";
import type { Family, Problem, Proto, SocketRecord } from "./model/socket.js";
import { collectSockets } from "./sources/index.js";

export * from "./model/socket.js";
export * from "./model/state.js";
export { TcpstatError, EXIT } from "./errors.js";
export { parseProcNet } from "./sources/linux-procfs/parse-proc-net.js";
export { makePredicate, parsePorts, parseStates, type SocketFilter } from "./lib/filter.js";

export interface ListOptions {
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
  /** Resolve owning processes (default true). */
  owners?: boolean;
  source?: string;
  procRoot?: string;
  /** Network namespace(s) to read, like `ss -N`: a name under /run/netns, a pid, a path, or "all". */
  netns?: string;
}

export interface SocketReport {
  source: string;
  records: SocketRecord[];
  problems: Problem[];
  notices: string[];
}

const strings = (values: Array<number | string> | undefined) => values?.map(String);

/** Turns the loose API options into a checked filter (usage errors throw TcpstatError). */
export function toFilter(options: ListOptions = {}): SocketFilter {
  const ports = strings(options.ports);
  const localPorts = strings(options.localPorts);
  const remotePorts = strings(options.remotePorts);
  return {
    protos: options.protos ?? ["tcp"],
    families: options.families ?? ["ipv4", "ipv6"],
    listening: options.listening,
    states: options.states ? parseStates(options.states) : undefined,
    ports: ports ? parsePorts(ports) : undefined,
    localPorts: localPorts ? parsePorts(localPorts, "--local-port") : undefined,
    remotePorts: remotePorts ? parsePorts(remotePorts, "--remote-port") : undefined,
    pids: options.pids ? new Set(options.pids) : undefined,
    process: options.process,
  };
}

/** Collects the sockets of this machine that match the options, with problems and notices. */
export async function collectReport(options: ListOptions = {}, filter = toFilter(options)): Promise<SocketReport> {
  const owners = options.owners !== false || filterNeedsOwners(filter);
  const collected = await collectSockets({
    protos: filter.protos,
    families: filter.families,
    owners,
    source: options.source,
    procRoot: options.procRoot,
    netns: options.netns,
  });
  const keep = makePredicate(filter);
  return { ...collected, records: collected.records.filter(keep) };
}

/** The sockets of this machine that match the options. */
export async function listSockets(options: ListOptions = {}): Promise<SocketRecord[]> {
  return (await collectReport(options)).records;
}
