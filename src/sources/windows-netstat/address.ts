import { isIPv4 } from "node:net";
import { formatIpv6, ipv6Bytes } from "../../lib/endpoint.js";
import type { IpFamily as Family } from "../../model/socket.js";

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
