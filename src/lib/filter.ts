import { usageError } from "../errors.js";
import type { Container, Family, Proto, SocketRecord } from "../model/socket.js";
import { STATE_GROUPS, TCP_STATES, canonicalState, type TcpState } from "../model/state.js";
import { isExposed } from "./exposure.js";
import { heldByName, heldByPid } from "./owners.js";
import { servicePort, type ServiceTable } from "./services.js";
import { systemServices } from "./services-file.js";
import { nearest } from "./suggest.js";

/** The endpoint fields of a socket an ss filter expression looks at (a record or a /proc/net row). */
export interface FilterSubject {
  family: "ipv4" | "ipv6";
  localAddress: string;
  localPort: number;
  remoteAddress: string | null;
  remotePort: number | null;
}

/** Inclusive port ranges; a single port is a range of one. */
export type PortRanges = ReadonlyArray<readonly [number, number]>;

export interface SocketFilter {
  protos: readonly Proto[];
  families: readonly Family[];
  /** Listening sockets only: TCP LISTEN and unconnected UDP, as `ss -l` shows them. */
  listening?: boolean;
  states?: ReadonlySet<TcpState>;
  ports?: PortRanges;
  localPorts?: PortRanges;
  remotePorts?: PortRanges;
  pids?: ReadonlySet<number>;
  /** Case-insensitive substring of the process name. */
  process?: string;
  /** Listeners on all interfaces or a public address (records carry `exposure`). */
  exposed?: boolean;
  /** Held by a container of this name or id (records carry owners[].container, --who). */
  containers?: readonly string[];
  /** Held by a process in this systemd unit (owners[].unit). */
  units?: readonly string[];
  /** An ss filter expression, --src and --dst (src/lib/ss-filter.ts), built once. */
  expression?: (s: FilterSubject) => boolean;
}

const STATE_CHOICES = [...TCP_STATES, ...Object.keys(STATE_GROUPS)];

/**
 * "LISTEN,time-wait", "connected", "SYN_RCVD" -> canonical states.
 * Throws a usage error naming the valid choices and the nearest one.
 */
export function parseStates(values: readonly string[]): Set<TcpState> {
  const states = new Set<TcpState>();
  for (const value of values) {
    for (const raw of value.split(",")) {
      const word = raw.trim();
      if (word === "") continue;
      const group = STATE_GROUPS[word.toLowerCase()];
      const state = canonicalState(word);
      if (group) group.forEach((s) => states.add(s));
      else if (state) states.add(state);
      else {
        const guess = nearest(word.toUpperCase().replace(/-/g, "_"), STATE_CHOICES);
        throw usageError(
          `unknown state '${word}'${guess ? ` (did you mean ${guess}?)` : ""}`,
          `valid states: ${STATE_CHOICES.join(", ")}`,
        );
      }
    }
  }
  if (states.size === 0) throw usageError("empty --state", `give one or more states, e.g. --state close-wait; valid states: ${STATE_CHOICES.join(", ")}`);
  return states;
}

/**
 * "443", ":443", "80,443", "8000-8100", "http", "https,ssh" -> port ranges; anything else is a
 * usage error. Names come from the services database (/etc/services, else the well-known table).
 */
export function parsePorts(values: readonly string[], flag = "--port", services: ServiceTable = systemServices()): PortRanges {
  const ranges: Array<readonly [number, number]> = [];
  const bad = (part: string) =>
    usageError(`bad port '${part}' for ${flag}`, "use a port 0-65535 or a service name (http), a list (80,443) or a range (8000-8100)");
  const toPort = (text: string, part: string) => {
    const s = text.startsWith(":") ? text.slice(1) : text;
    if (/^[a-z][\w.+-]*$/i.test(s)) {
      const named = servicePort(s.toLowerCase(), "tcp", services);
      if (named === undefined) throw bad(part);
      return named;
    }
    if (!/^\d{1,5}$/.test(s)) throw bad(part);
    const n = Number(s);
    if (n > 65535) throw bad(part);
    return n;
  };
  for (const value of values) {
    for (const raw of value.split(",")) {
      const part = raw.trim();
      if (part === "") throw bad(value);
      // A service name may hold a dash (http-alt): a range is two numbers.
      const dash = /^:?\d+-:?\d+$/.test(part) ? part.indexOf("-") : -1;
      if (dash < 0) {
        const p = toPort(part, part);
        ranges.push([p, p]);
      } else {
        const lo = toPort(part.slice(0, dash), part);
        const hi = toPort(part.slice(dash + 1), part);
        if (lo > hi) throw bad(part);
        ranges.push([lo, hi]);
      }
    }
  }
  return ranges;
}

/** "123", "1,2" -> pids. */
export function parsePids(values: readonly string[]): Set<number> {
  const pids = new Set<number>();
  for (const value of values) {
    for (const raw of value.split(",")) {
      const part = raw.trim();
      if (!/^\d+$/.test(part) || Number(part) === 0)
        throw usageError(`bad pid '${part}' for --pid`, "give a positive process id, or a list like 101,202");
      pids.add(Number(part));
    }
  }
  return pids;
}

const inRanges = (port: number | null, ranges: PortRanges) =>
  port !== null && ranges.some(([lo, hi]) => port >= lo && port <= hi);

/**
 * What a filter looks at: a record, or a row of /proc/net decoded but not made into one
 * (which has no owner: a filter on pids or a process name always has records).
 */
type Filtered = Pick<SocketRecord, "proto" | "family" | "state" | "localAddress" | "localPort" | "remoteAddress" | "remotePort"> & Partial<Pick<SocketRecord, "pid" | "process" | "owners">>;

/**
 * The kernel's state of a socket for filtering: UDP has no TCP state in the record,
 * but ss filters UDP by its pseudo-state (connected = ESTABLISHED, else CLOSE), and so do we.
 */
function filterState(r: Filtered): TcpState {
  return r.state ?? (r.remotePort === null ? "CLOSE" : "ESTABLISHED");
}

/**
 * What `ss -l` lists: TCP and unix LISTEN, and sockets with no peer where there is no listening
 * (UDP and raw unconnected, unix datagram and seqpacket sockets left UNCONN: ss's SS_CLOSE).
 */
function listens(r: Filtered): boolean {
  if (r.proto === "tcp") return r.state === "LISTEN";
  if (r.proto === "unix" || r.proto === "raw") return r.state === "LISTEN" || r.state === "CLOSE";
  return r.remotePort === null;
}

/** A predicate for the filter, cheap enough for the hot path. */
export function makePredicate(filter: SocketFilter): (r: Filtered) => boolean {
  const processNeedle = filter.process?.toLowerCase();
  const endpoints = filter.ports || filter.localPorts || filter.remotePorts || filter.expression;
  return (r) => {
    if (!filter.protos.includes(r.proto)) return false;
    // Unix sockets have no IP family: -4/-6 narrow the IP sockets only, as with ss -x4.
    if (r.family === "unix") {
      // Nor ports or addresses: a port or address filter selects none of them.
      if (endpoints) return false;
    } else {
      if (!filter.families.includes(r.family)) return false;
      if (filter.ports && !inRanges(r.localPort, filter.ports) && !inRanges(r.remotePort, filter.ports)) return false;
      if (filter.localPorts && !inRanges(r.localPort, filter.localPorts)) return false;
      if (filter.remotePorts && !inRanges(r.remotePort, filter.remotePorts)) return false;
      if (filter.expression && !filter.expression(r as FilterSubject)) return false;
    }
    if (filter.listening && !listens(r)) return false;
    if (filter.states && !filter.states.has(filterState(r))) return false;
    // Any holder of the socket: a forked server's workers share its listener (src/lib/owners.ts).
    if (filter.pids && !heldByPid(r, filter.pids)) return false;
    if (processNeedle !== undefined && !heldByName(r, processNeedle)) return false;
    return true;
  };
}

/**
 * The filters a /proc/net row can be asked before its addresses are read: its TCP state, its
 * local port and its family. Undefined when the filter has none of them (every row passes).
 * The whole filter (makePredicate) still runs on the rows kept.
 */
export function makeEarlyPredicate(filter: SocketFilter): ((state: TcpState | null, localPort: number, family: Family) => boolean) | undefined {
  const { states, localPorts, families } = filter;
  const bothFamilies = families.includes("ipv4") && families.includes("ipv6");
  if (states === undefined && localPorts === undefined && bothFamilies) return undefined;
  return (state, localPort, family) =>
    (bothFamilies || families.includes(family)) && (states === undefined || state === null || states.has(state)) && (localPorts === undefined || inRanges(localPort, localPorts));
}

/** The filters on fields read after the tables (exposure), for records that carry them. */
export function makeEnrichedPredicate(filter: SocketFilter): (r: SocketRecord) => boolean {
  return (r) => {
    if (filter.exposed && !isExposed(r.exposure)) return false;
    if (filter.containers && !r.owners?.some((o) => o.container && filter.containers!.some((c) => containerMatches(o.container!, c)))) return false;
    if (filter.units && !r.owners?.some((o) => o.unit && filter.units!.some((u) => unitMatches(o.unit!, u)))) return false;
    return true;
  };
}

/** A container by its name, its pod's name, or its id or an id prefix of 4+ hex digits (as docker accepts). */
export function containerMatches(c: Container, wanted: string): boolean {
  if (c.name === wanted || c.pod?.name === wanted || c.id === wanted) return true;
  return /^[0-9a-f]{4,}$/.test(wanted) && c.id.startsWith(wanted);
}

/** A unit by its full name, or without the .service suffix, as systemctl accepts. */
export const unitMatches = (unit: string, wanted: string): boolean => unit === wanted || unit === `${wanted}.service`;

/** True when the filter needs owning processes resolved. */
export const filterNeedsOwners = (filter: SocketFilter) => filter.pids !== undefined || filter.process !== undefined;
