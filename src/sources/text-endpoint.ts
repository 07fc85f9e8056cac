import { isIPv4 } from "node:net";
import { formatIpv6, ipv6Bytes } from "../lib/endpoint.js";
import type { Family, Problem, Proto, SocketRecord } from "../model/socket.js";

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
  if (host === "*") return family === "ipv6" ? "::" : "0.0.0.0";
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
  ends: Pick<SocketRecord, "localAddress" | "localPort" | "remoteAddress" | "remotePort">,
): SocketRecord {
  const r = emptyRecord({ proto, family, localAddress: ends.localAddress, localPort: ends.localPort });
  r.remoteAddress = ends.remoteAddress;
  r.remotePort = ends.remotePort;
  return r;
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

/**
 * Local and remote endpoint of a row, normalized. A peer that is a wildcard in any spelling
 * (`*`, `*.*`, `0.0.0.0:*`, `[::]:0`) means "no peer": null address and port.
 * `cutOff` is set when an address is not an address (cut by the tool's column width).
 */
export function readEndpoints(
  local: HostPort,
  remote: HostPort | null,
  family: Family,
): { localAddress: string; localPort: number; remoteAddress: string | null; remotePort: number | null; cutOff: boolean } | string {
  const lp = readPort(local.port);
  // An unbound socket prints `*.*` or `*:*` locally: the kernel holds port 0 for it.
  if (lp === undefined || (lp === null && !isWildcardHost(local.host))) return `unreadable local port '${local.port}'`;
  let cutOff = false;
  let localAddress = normalizeAddress(local.host, family);
  if (localAddress === null) {
    cutOff = true;
    localAddress = local.host.toLowerCase();
  }
  if (!remote || (isWildcardHost(remote.host) && (remote.port === "*" || remote.port === "0"))) {
    return { localAddress, localPort: lp ?? 0, remoteAddress: null, remotePort: null, cutOff };
  }
  const rp = readPort(remote.port);
  if (rp === undefined) return `unreadable remote port '${remote.port}'`;
  let remoteAddress = normalizeAddress(remote.host, family);
  if (remoteAddress === null) {
    cutOff = true;
    remoteAddress = remote.host.toLowerCase();
  }
  return { localAddress, localPort: lp ?? 0, remoteAddress, remotePort: rp, cutOff };
}
