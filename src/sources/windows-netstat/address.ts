import { isIPv4, isIPv6 } from "node:net";
import { formatIpv6 } from "../../lib/endpoint.js";
import type { Family } from "../../model/socket.js";

/**
 * Address text as Windows tools print it, made canonical:
 *
 *   "0.0.0.0"                 -> "0.0.0.0"            ipv4
 *   "::"  / "0:0:0:0:0:0:0:0" -> "::"                 ipv6 (RFC 5952)
 *   "FE80::1%12"              -> "fe80::1%12"         zone kept, as netstat shows it
 *   "::ffff:127.0.0.1"        -> "::ffff:127.0.0.1"
 *   "linuxoid"                -> null                 a host name (netstat without -n)
 */
export function canonicalAddress(text: string): { address: string; family: Family } | null {
  if (isIPv4(text)) return { address: text, family: "ipv4" };
  const pct = text.indexOf("%");
  const bare = pct < 0 ? text : text.slice(0, pct);
  const zone = pct < 0 ? "" : text.slice(pct);
  const bytes = ipv6Bytes(bare);
  if (!bytes) return null;
  return { address: formatIpv6(bytes) + zone, family: "ipv6" };
}

/** The 16 bytes of an IPv6 address text without zone, or null. */
export function ipv6Bytes(text: string): Uint8Array | null {
  if (!isIPv6(text)) return null;
  // A trailing dotted quad (::ffff:1.2.3.4) is the last two groups.
  const hex = text.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) =>
    `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`,
  );
  const [head = "", tail] = hex.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = [...left, ...new Array<string>(8 - left.length - right.length).fill("0"), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    bytes[2 * i] = v >> 8;
    bytes[2 * i + 1] = v & 0xff;
  });
  return bytes;
}
