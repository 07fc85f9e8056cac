import type { Exposure, SocketRecord } from "../model/socket.js";
import { ipv6Bytes } from "./endpoint.js";

/**
 * What a listener answers on, from the address it is bound to:
 *
 *   127.0.0.1, 127.5.5.5, ::1, ::ffff:127.0.0.1   -> loopback
 *   0.0.0.0, :: (dual-stack)                       -> all
 *   :: with IPV6_V6ONLY set                        -> all-ipv6 (every interface, IPv6 only)
 *   10.1.2.3, 172.16.0.9, 192.168.1.5, 100.64.0.1,
 *   169.254.1.1, fd00::1, fe80::1                  -> private
 *   anything else                                  -> public
 *
 * Private means RFC 1918, the shared address space of RFC 6598 (carrier NAT), link-local
 * (169.254/16, fe80::/10) and unique local IPv6 (fc00::/7). A `::` socket whose v6only is not
 * known counts as `all`: the wider claim, never the reassuring one.
 */
export function exposureOf(address: string, v6only: boolean | undefined): Exposure {
  if (address === "0.0.0.0") return "all";
  if (address === "::") return v6only === true ? "all-ipv6" : "all";
  const v4 = address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address.includes(":") ? null : address;
  if (v4 !== null) return ipv4Exposure(v4);
  const b = ipv6Bytes(address.replace(/%.*$/, ""));
  if (!b) return "public";
  if (b.every((x, i) => x === (i === 15 ? 1 : 0))) return "loopback";
  if ((b[0]! & 0xfe) === 0xfc) return "private"; // fc00::/7, unique local
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return "private"; // fe80::/10, link-local
  return "public";
}

function ipv4Exposure(address: string): Exposure {
  const [a = -1, b = -1] = address.split(".").map(Number);
  if (a === 127) return "loopback";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  if ((a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254)) return "private";
  return "public";
}

/** A listener: TCP LISTEN or an unconnected UDP socket, as `ss -l` counts them. */
export const isListener = (r: Pick<SocketRecord, "proto" | "state" | "remotePort">): boolean =>
  r.proto === "tcp" ? r.state === "LISTEN" : r.remotePort === null;

/** Reachable from other machines: all interfaces or a public address (what --exposed keeps). */
export const isExposed = (e: Exposure | undefined): boolean => e === "all" || e === "all-ipv6" || e === "public";

/**
 * `ss -tulnHe` lines -> v6only by socket inode. The kernel reports IPV6_V6ONLY over sock_diag
 * only (not in /proc/net/tcp6), and ss prints it with -e:
 *
 *   tcp LISTEN 0 128 [::]:7001 [::]:* ino:1174916 sk:4754 cgroup:/ v6only:1 <->
 */
export function parseV6only(text: string): Map<number, boolean> {
  const out = new Map<number, boolean>();
  for (const line of text.split("\n")) {
    const ino = / ino:(\d+)/.exec(line);
    const v6 = / v6only:([01])/.exec(line);
    if (ino && v6) out.set(Number(ino[1]), v6[1] === "1");
  }
  return out;
}
