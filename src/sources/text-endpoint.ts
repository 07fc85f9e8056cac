import { isIPv4 } from "node:net";
import { formatIpv6, ipv6Bytes } from "../lib/endpoint.js";
import { servicePort, type ServiceTable } from "../lib/services.js";
import type { EndpointField, Family, Problem, Proto, SocketRecord } from "../model/socket.js";

/**
 * Helpers shared by the text parsers (netstat, ss, lsof, sockstat): endpoint splitting in the
 * two spellings tools use, address normalization to RFC 5952, and record defaults.
 *
 *   splitDotted("192.168.1.5.443")   -> { host: "192.168.1.5", port: "443" }    (BSD netstat)
 *   splitDotted("*.*")               -> { host: "*", port: "*" }
 *   splitColon("[fe80::1]%eth0:123") -> { host: "fe80::1%eth0", port: "123" }  (ss, lsof, Linux netstat)
 *   splitColon(":::22")              -> { host: "::", port: "22" }
 */

export interface HostPort {
  host: string;
  port: string;
}

/** BSD `addr.port`: the port follows the last dot. */
export function splitDotted(text: string): HostPort | null {
  const dot = text.lastIndexOf(".");
  if (dot <= 0 || dot === text.length - 1) return null;
  return { host: text.slice(0, dot), port: text.slice(dot + 1) };
}

/** `addr:port`, `[v6]:port`, `[v6]%zone:port`, `v6:port` without brackets (Linux netstat). */
export function splitColon(text: string): HostPort | null {
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) return null;
    let rest = text.slice(close + 1);
    let zone = "";
    if (rest.startsWith("%")) {
      const c = rest.lastIndexOf(":");
      if (c < 0) return null;
      zone = rest.slice(0, c);
      rest = rest.slice(c);
    }
    if (!rest.startsWith(":") || rest.length < 2) return null;
    return { host: text.slice(1, close) + zone, port: rest.slice(1) };
  }
  const c = text.lastIndexOf(":");
  if (c <= 0 || c === text.length - 1) return null;
  return { host: text.slice(0, c), port: text.slice(c + 1) };
}

/** Port text -> number, or null for a wildcard; undefined when unreadable. */
export function readPort(text: string): number | null | undefined {
  if (text === "*") return null;
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

const WILDCARD_HOSTS = new Set(["*", "0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0"]);

export function isWildcardHost(host: string): boolean {
  return WILDCARD_HOSTS.has(host.replace(/%.*$/, ""));
}


/**
 * Normalizes an address as a tool printed it: RFC 5952 text, zone kept for link-local IPv6,
 * IPv4 on an IPv6 socket as ::ffff:a.b.c.d, `*` as the family's wildcard.
 * macOS KAME scope (`fe80:b::1`, interface index in the second group) becomes `fe80::1%11`.
 * An IPv4 "zone" is ss's interface binding (`127.0.0.53%lo`), not part of the address: dropped.
 * Returns null when the text is no address (a host name, or cut off by the tool).
 */
export function normalizeAddress(host: string, family: Family): string | null {
  // `*%eth0`: the wildcard bound to one interface (ss), still the wildcard.
  if (host === "*" || host.startsWith("*%")) return family === "ipv6" ? "::" : "0.0.0.0";
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const pct = host.indexOf("%");
  const bare = (pct < 0 ? host : host.slice(0, pct)).toLowerCase();
  let zone = pct < 0 ? "" : host.slice(pct + 1);
  if (isIPv4(bare)) return family === "ipv6" ? `::ffff:${bare}` : bare;
  const bytes = ipv6Bytes(bare);
  if (!bytes) return null;
  const linkLocal = bytes[0] === 0xfe && ((bytes[1] as number) & 0xc0) === 0x80;
  if (linkLocal && (bytes[2] !== 0 || bytes[3] !== 0) && zone === "") {
    zone = String(((bytes[2] as number) << 8) | (bytes[3] as number));
    bytes[2] = 0;
    bytes[3] = 0;
  }
  const text = formatIpv6(bytes);
  return linkLocal && zone !== "" ? `${text}%${zone}` : text;
}

/** Family an address text proves by itself, or undefined (`*`, host names). */
export function familyOf(host: string): Family | undefined {
  const bare = host.replace(/%.*$/, "");
  if (isIPv4(bare)) return "ipv4";
  if (bare.includes(":")) return "ipv6";
  return undefined;
}

/** A record with every optional field empty. */
export function emptyRecord(base: Pick<SocketRecord, "proto" | "family" | "localAddress" | "localPort">): SocketRecord {
  // Spelled out (no spread): every record gets the same shape, which keeps 100k-row replays fast.
  return {
    proto: base.proto,
    family: base.family,
    localAddress: base.localAddress,
    localPort: base.localPort,
    remoteAddress: null,
    remotePort: null,
    state: null,
    recvQ: null,
    sendQ: null,
    pid: null,
    process: null,
    uid: null,
    user: null,
    inode: null,
    timer: null,
  };
}

/** A record of a row's protocol, family and endpoints (as readEndpoints reads them); the rest empty. */
export function endpointRecord(
  proto: Proto,
  family: Family,
  ends: Pick<SocketRecord, "localAddress" | "localPort" | "remoteAddress" | "remotePort" | "localHost" | "remoteHost" | "truncated">,
): SocketRecord {
  const r = emptyRecord({ proto, family, localAddress: ends.localAddress, localPort: ends.localPort });
  r.remoteAddress = ends.remoteAddress;
  r.remotePort = ends.remotePort;
  if (ends.localHost !== undefined) r.localHost = ends.localHost;
  if (ends.remoteHost !== undefined) r.remoteHost = ends.remoteHost;
  if (ends.truncated !== undefined) r.truncated = ends.truncated;
  return r;
}

/** Marks a field of a kept record as cut by the tool's column width. */
export function markTruncated(r: SocketRecord, field: EndpointField): void {
  if (!r.truncated) r.truncated = [field];
  else if (!r.truncated.includes(field)) r.truncated.push(field);
}

/** Lines of a capture with their 1-based numbers, CR stripped. */
export function* numberedLines(text: string): Generator<[number, string]> {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    yield [i + 1, line.endsWith("\r") ? line.slice(0, -1) : line];
  }
}

export function problem(source: string, line: number, text: string, reason: string): Problem {
  return { source, line, text, reason };
}

/** What one side of a row reads as: an address (or the text a tool cut), maybe a host name. */
interface HostRead {
  address: string;
  /** The host name as printed, when the capture had a name instead of an address. */
  name?: string;
  cut: boolean;
}

const LOOPBACK_NAMES: Readonly<Record<string, Record<Family, string>>> = {
  localhost: { ipv4: "127.0.0.1", ipv6: "::1" },
  "localhost.localdomain": { ipv4: "127.0.0.1", ipv6: "::1" },
  localhost6: { ipv4: "::1", ipv6: "::1" },
  "ip6-localhost": { ipv4: "::1", ipv6: "::1" },
  "ip6-loopback": { ipv4: "::1", ipv6: "::1" },
};

/**
 * Address text that is no address: cut by the tool's column (`::ffff:192.168.0.`, `fe80::87e6:73b7:`,
 * `192.168.10`: hex digits, dots and colons that do not make an address) or a host name
 * (`web1.example.com`, `localhost`: kept as printed; loopback names mean the loopback address).
 */
export function readHost(host: string, family: Family): HostRead {
  const address = normalizeAddress(host, family);
  if (address !== null) return { address, cut: false };
  const bare = host.replace(/%.*$/, "");
  if (/^[0-9a-fA-F:.]*$/.test(bare) && (bare.includes(":") || /^[\d.]+$/.test(bare))) return { address: host.toLowerCase(), cut: true };
  const loopback = LOOPBACK_NAMES[host.toLowerCase()];
  return { address: loopback ? loopback[family] : host, name: host, cut: false };
}

/** Port text -> number (digits or a service name), null for a wildcard; undefined when unreadable. */
export function readServicePort(text: string, proto?: Proto, services?: ServiceTable): number | null | undefined {
  const port = readPort(text);
  if (port !== undefined || !/^[A-Za-z][\w.+-]*$/.test(text)) return port;
  return servicePort(text, proto, services);
}

export interface Ends {
  localAddress: string;
  localPort: number;
  remoteAddress: string | null;
  remotePort: number | null;
  /** Some address is not an address (cut by the tool's column width): see `truncated`. */
  cutOff: boolean;
  localHost?: string;
  remoteHost?: string;
  truncated?: EndpointField[];
}

export interface EndpointOptions {
  proto?: Proto;
  /** Where service names are looked up (a capture made without -n); the built-in table when absent. */
  services?: ServiceTable;
}

/**
 * Local and remote endpoint of a row, normalized. A peer that is a wildcard in any spelling
 * (`*`, `*.*`, `0.0.0.0:*`, `[::]:0`) means "no peer": null address and port.
 * Service names in port columns are looked up; host names are kept (localHost, remoteHost);
 * an address the tool cut is kept as printed and listed in `truncated`.
 */
export function readEndpoints(local: HostPort, remote: HostPort | null, family: Family, options: EndpointOptions = {}): Ends | string {
  const lp = readServicePort(local.port, options.proto, options.services);
  // An unbound socket prints `*.*` or `*:*` locally: the kernel holds port 0 for it.
  if (lp === undefined || (lp === null && !isWildcardHost(local.host))) return unreadablePort("local", local.port);
  const lh = readHost(local.host, family);
  const ends: Ends = { localAddress: lh.address, localPort: lp ?? 0, remoteAddress: null, remotePort: null, cutOff: lh.cut };
  if (lh.name !== undefined) ends.localHost = lh.name;
  if (lh.cut) ends.truncated = ["localAddress"];
  if (!remote || (isWildcardHost(remote.host) && (remote.port === "*" || remote.port === "0"))) return ends;
  const rp = readServicePort(remote.port, options.proto, options.services);
  if (rp === undefined) return unreadablePort("remote", remote.port);
  const rh = readHost(remote.host, family);
  ends.remoteAddress = rh.address;
  ends.remotePort = rp;
  if (rh.name !== undefined) ends.remoteHost = rh.name;
  if (rh.cut) {
    ends.cutOff = true;
    (ends.truncated ??= []).push("remoteAddress");
  }
  return ends;
}

function unreadablePort(side: string, text: string): string {
  return /^[A-Za-z][\w.+-]*$/.test(text) ? `unknown service name '${text}' in the ${side} port (not in the services database)` : `unreadable ${side} port '${text}'`;
}
