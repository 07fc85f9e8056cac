import { Resolver } from "node:dns/promises";
import { readFile } from "node:fs/promises";
import type { SocketRecord } from "../model/socket.js";
import { ipv6Bytes } from "./endpoint.js";
import { parseHosts } from "./hosts-file.js";
import { serviceNames } from "./services.js";

/**
 * -r/--resolve: host names for addresses and service names for ports, as `ss -r` shows them.
 *
 * The hosts file is read first (as the system resolver's "files" source does); the addresses it
 * does not name are asked of DNS (PTR), all at once, each distinct address once. A lookup is
 * given 1 s (one try) and the whole run LOOKUP_BUDGET_MS: what has not answered by then is
 * cancelled and stays numeric, and a notice says how many. Wildcards (0.0.0.0, ::) are never
 * looked up. getnameinfo(3) would honour nsswitch.conf too, but it runs on libuv's thread pool
 * and cannot be cancelled: a resolver that never answers would hold the run for its own timeouts.
 *
 *   await resolveNames(records)  ->  records with localHost/remoteHost and localService/remoteService set where known
 */

export const LOOKUP_TIMEOUT_MS = 1000;
export const LOOKUP_BUDGET_MS = 2000;
/** Most distinct addresses asked of DNS in one run; past it, the rest stay numeric and are counted. */
const MAX_LOOKUPS = 4096;

export interface ResolveOptions {
  hostsPath?: string;
  servicesPath?: string;
  /** DNS lookups (tests); the default is a c-ares Resolver reading resolv.conf. */
  reverse?: (address: string) => Promise<string[]>;
  cancel?: () => void;
  budgetMs?: number;
}

export interface Resolved {
  records: SocketRecord[];
  notices: string[];
}

const WILDCARD = new Set(["0.0.0.0", "::"]);

/** The address a name is asked for: an IPv4-mapped one by its IPv4 address, as getnameinfo does. */
const asked = (address: string) => (address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address);

const defaultHosts = () => (process.platform === "win32" ? `${process.env.SystemRoot ?? "C:\\Windows"}\\System32\\drivers\\etc\\hosts` : "/etc/hosts");
const defaultServices = () => (process.platform === "win32" ? `${process.env.SystemRoot ?? "C:\\Windows"}\\System32\\drivers\\etc\\services` : "/etc/services");

export async function resolveNames(records: readonly SocketRecord[], o: ResolveOptions = {}): Promise<Resolved> {
  const [hostsText, servicesText] = await Promise.all([
    readFile(o.hostsPath ?? defaultHosts(), "utf8").catch(() => ""),
    readFile(o.servicesPath ?? defaultServices(), "utf8").catch(() => undefined),
  ]);
  const hosts = parseHosts(hostsText);
  const services = serviceNames(servicesText);

  const wanted = new Set<string>();
  for (const r of records)
    for (const a of [r.localAddress, r.remoteAddress]) if (a !== null && !WILDCARD.has(a) && !hosts.has(asked(a))) wanted.add(asked(a));
  const names = new Map<string, string>();
  const notices: string[] = [];
  const queue = [...wanted];
  const dropped = Math.max(0, queue.length - MAX_LOOKUPS);
  const unanswered = await lookUp(queue.slice(0, MAX_LOOKUPS), names, o);
  if (unanswered + dropped > 0)
    notices.push(
      `-r: ${unanswered + dropped} address(es) left numeric: ${unanswered > 0 ? `DNS gave no answer in time (${LOOKUP_TIMEOUT_MS / 1000} s a lookup, ${(o.budgetMs ?? LOOKUP_BUDGET_MS) / 1000} s in all)` : ""}${unanswered > 0 && dropped > 0 ? "; " : ""}${dropped > 0 ? `only ${MAX_LOOKUPS} distinct addresses are looked up` : ""}`,
    );

  const host = (a: string | null) => (a === null || WILDCARD.has(a) ? undefined : (hosts.get(asked(a)) ?? names.get(asked(a))));
  const out = records.map((r) => {
    const named: SocketRecord = { ...r };
    const lh = host(r.localAddress);
    const rh = host(r.remoteAddress);
    if (lh !== undefined) named.localHost = lh;
    if (rh !== undefined) named.remoteHost = rh;
    const ls = services.get(`${r.localPort}/${r.proto}`);
    const rs = r.remotePort === null || r.remotePort === 0 ? undefined : services.get(`${r.remotePort}/${r.proto}`);
    if (ls !== undefined) named.localService = ls;
    if (rs !== undefined) named.remoteService = rs;
    return named;
  });
  return { records: out, notices };
}

/** Asks DNS for each address in parallel; resolves by the budget with how many had no answer. */
async function lookUp(addresses: readonly string[], names: Map<string, string>, o: ResolveOptions): Promise<number> {
  if (addresses.length === 0) return 0;
  let reverse = o.reverse;
  let cancel = o.cancel;
  if (!reverse) {
    // A PTR query, not resolver.reverse(): that one falls back to the hosts file after a
    // timeout and reports "not found", where the run must tell no answer from no name.
    const resolver = new Resolver({ timeout: LOOKUP_TIMEOUT_MS, tries: 1 });
    reverse = (a) => resolver.resolvePtr(ptrName(a));
    cancel = () => resolver.cancel();
  }
  let answered = 0;
  const timers: NodeJS.Timeout[] = [];
  // Each lookup is given LOOKUP_TIMEOUT_MS whatever the resolver library does with its own timeout.
  const bounded = (a: string) =>
    Promise.race([
      reverse!(a),
      new Promise<never>((_, reject) => timers.push(setTimeout(() => reject(Object.assign(new Error("timeout"), { code: "ETIMEOUT" })), LOOKUP_TIMEOUT_MS))),
    ]);
  const all = Promise.all(
    addresses.map((a) =>
      bounded(a).then(
        (found) => {
          answered++;
          if (found[0]) names.set(a, found[0]);
        },
        (error: NodeJS.ErrnoException) => {
          // NXDOMAIN-like answers are answers: the address has no name.
          if (error.code === "ENOTFOUND" || error.code === "ENODATA" || error.code === "ENONAME") answered++;
        },
      ),
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, o.budgetMs ?? LOOKUP_BUDGET_MS);
  });
  await Promise.race([all, budget]);
  clearTimeout(timer);
  for (const t of timers) clearTimeout(t);
  cancel?.();
  return addresses.length - answered;
}

/**
 * The name a PTR query asks for: 10.1.2.3 -> 3.2.1.10.in-addr.arpa,
 * ::1 -> 1.0.0.0. ... .0.ip6.arpa (32 nibbles, last first).
 */
export function ptrName(address: string): string {
  if (!address.includes(":")) return `${address.split(".").reverse().join(".")}.in-addr.arpa`;
  const bytes = ipv6Bytes(address) ?? new Uint8Array(16);
  const nibbles: string[] = [];
  for (const b of bytes) nibbles.push((b >> 4).toString(16), (b & 15).toString(16));
  return `${nibbles.reverse().join(".")}.ip6.arpa`;
}
