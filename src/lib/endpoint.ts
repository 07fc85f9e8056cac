import { isIPv6 } from "node:net";
import { safeText } from "./safe-text.js";

/**
 * Address text in RFC 5952 form, from the bytes every source eventually yields.
 *
 *   formatIpv6([0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1])            -> "::1"
 *   formatIpv6([0,0,0,0,0,0,0,0,0,0,0xff,0xff,127,0,0,1])    -> "::ffff:127.0.0.1"
 */

export function formatIpv4(b: ArrayLike<number>, at = 0): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** RFC 5952: lower case, no leading zeros, the longest run (>= 2) of zero groups as "::", leftmost on a tie. */
export function formatIpv6(b: ArrayLike<number>): string {
  let mapped = true;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) mapped = false;
  if (mapped && b[10] === 0xff && b[11] === 0xff) return `::ffff:${formatIpv4(b, 12)}`;

  const groups = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = ((b[2 * i] as number) << 8) | (b[2 * i + 1] as number);

  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(":");
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/** True for the wildcard addresses 0.0.0.0 and ::. */
export function isUnspecified(address: string): boolean {
  return address === "0.0.0.0" || address === "::";
}

/** An endpoint's address as it stands before ":port": "a.b.c.d" or "[v6]"; none is the wildcard. */
export function endpointHost(address: string | null, family: "ipv4" | "ipv6"): string {
  // A replayed capture may hold anything, e.g. a zone "fe80::1%\x1b[2J": escaped (issue 22).
  const host = address === null ? null : safeText(address);
  return family === "ipv6" ? `[${host ?? "::"}]` : (host ?? "0.0.0.0");
}

/** "a.b.c.d:port" or "[v6]:port", as ss prints endpoints; a missing port shows as "*". */
export function formatEndpoint(address: string | null, port: number | null, family: "ipv4" | "ipv6"): string {
  return `${endpointHost(address, family)}:${port === null ? "*" : String(port)}`;
}

/** Decimal digits of a whole number >= 0: String(n).length without making the string. */
export function digits(n: number): number {
  let d = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) d++;
  return d;
}

/** formatEndpoint(...).length, without making the string (tables measure 100k of them). */
export function endpointLength(address: string | null, port: number | null, family: "ipv4" | "ipv6"): number {
  const host = address === null ? (family === "ipv6" ? "::" : "0.0.0.0") : safeText(address);
  return host.length + (family === "ipv6" ? 2 : 0) + 1 + (port === null ? 1 : digits(port));
}

// Rank of each character of address text in the order String#localeCompare gives them
// (Unicode root collation: punctuation, then digits, then letters): ":" "." 0-9 a-f.
const ADDRESS_RANK = new Int8Array(128).fill(-1);
for (const [i, c] of [...":.0123456789abcdef"].entries()) ADDRESS_RANK[c.charCodeAt(0)] = i;

/**
 * The order a.localeCompare(b) gives, for a fraction of its cost on address text
 * ("10.0.0.2", "fe80::1"): sorting 100k sockets compares a couple of million pairs.
 * Text with any other character goes to localeCompare itself.
 */
export function compareAddressText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const rx = x < 128 ? (ADDRESS_RANK[x] as number) : -1;
    const ry = y < 128 ? (ADDRESS_RANK[y] as number) : -1;
    if (rx < 0 || ry < 0) return a.localeCompare(b);
    return rx - ry;
  }
  // One is a prefix of the other: the shorter comes first, unless the rest of the longer
  // holds a character we cannot rank (it might weigh nothing in the collation).
  const longer = a.length > b.length ? a : b;
  if (hasUnranked(longer, n)) return a.localeCompare(b);
  return a.length - b.length;
}

function hasUnranked(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || ADDRESS_RANK[c]! < 0) return true;
  }
  return false;
}

/** The 16 bytes of an IPv6 address text (no zone), or null: the inverse of formatIpv6. */
export function ipv6Bytes(text: string): Uint8Array | null {
  if (!isIPv6(text)) return null;
  // A trailing dotted quad (::ffff:1.2.3.4) is two more hex groups.
  const head = text.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) =>
    `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`,
  );
  const [left = "", right] = head.split("::");
  const l = left === "" ? [] : left.split(":");
  const r = right === undefined || right === "" ? [] : right.split(":");
  const groups = [...l, ...new Array<string>(8 - l.length - r.length).fill("0"), ...r];
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = parseInt(groups[i] ?? "0", 16);
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  }
  return bytes;
}
