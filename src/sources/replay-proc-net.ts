import type { Problem, Proto, SocketRecord } from "../model/socket.js";
import { parseProcNet, type ByteOrder } from "./linux-procfs/parse-proc-net.js";
import { append } from "../lib/append.js";

/**
 * Replay of a `/proc/net/{tcp,tcp6,udp,udp6}` dump captured on some other machine, maybe several
 * concatenated (`cat /proc/net/tcp /proc/net/udp6`). Each table starts with its `sl` header;
 * what the table holds is read from its content, since the file name is lost:
 *
 * - tcp or udp: udp headers end in `ref pointer drops`; tcp rows carry more fields (17, or 16 on
 *   2.6 kernels, vs 13) and states other than 07 (unconnected) and 01 (connected UDP).
 * - IPv4 or IPv6: 8 or 32 hex digits per address (parseProcNet reads it from each row).
 * - byte order: the kernel prints each 32-bit address word in the writer's own byte order.
 *   An x86 `0100007F` is 127.0.0.1; a MIPS or s390x router prints `7F000001`. The addresses decide:
 *   each decoding scores points where it yields what hosts use (loopback, 10/8, 172.16/12,
 *   192.168/16, link-local, fe80::/10, ::1, ::ffff:0:0/96) and loses them where it yields what
 *   no host binds (0.x.x.x, multicast as a local address, x.x.x.0). Ports are printed after
 *   ntohs() and prove nothing. No evidence: little-endian, the common case.
 */

interface ProcReplayOptions {
  source: string;
  byteOrder?: ByteOrder;
}

interface ProcReplayResult {
  records: SocketRecord[];
  problems: Problem[];
  byteOrder: ByteOrder;
  /** How the byte order was chosen, for --verbose. */
  byteOrderReason: string;
}

const HEADER = /^\s*sl\s+local_address/;
const ROW = /^\s*\d+:\s+([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):[0-9A-Fa-f]{4}\s+([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):[0-9A-Fa-f]{4}\s+([0-9A-Fa-f]{2})\s/;

export function looksLikeProcNet(lines: readonly string[]): boolean {
  return lines.some((l) => HEADER.test(l)) || lines.filter((l) => l.trim() !== "").every((l) => ROW.test(l));
}

/** Bytes of one printed address under a byte order. */
function addressBytes(hex: string, order: ByteOrder): number[] {
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8)
    for (let k = 0; k < 4; k++) {
      const at = w + (order === "LE" ? 3 - k : k) * 2;
      bytes.push(parseInt(hex.slice(at, at + 2), 16));
    }
  return bytes;
}

/** How much a decoded address looks like one a host really has. */
function plausibility(b: number[], isLocal: boolean): number {
  if (b.every((x) => x === 0)) return 0;
  if (b.length === 4) {
    const [a = 0, c = 0, , d = 0] = b;
    let score = 0;
    if (a === 127 || a === 10 || (a === 192 && c === 168) || (a === 172 && c >= 16 && c < 32) || (a === 169 && c === 254)) score += 2;
    if (a === 0) score -= 2;
    if (isLocal && a >= 224) score -= 1;
    if (d === 0) score -= 1;
    return score;
  }
  const zeroHead = b.slice(0, 10).every((x) => x === 0);
  if (zeroHead && b[10] === 0xff && b[11] === 0xff) return 2 + plausibility(b.slice(12), isLocal); // ::ffff:a.b.c.d
  if (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) return 2; // ::1
  if (b[0] === 0xfe && ((b[1] ?? 0) & 0xc0) === 0x80) return 2; // fe80::/10
  if (b[0] === 0x20 && (b[1] ?? 0) < 0x40) return 1; // 2000::/3 global unicast, 2001-203f
  if (b[0] === 0xfd || b[0] === 0xfc) return 1;
  if (b[0] === 0) return -2;
  return 0;
}

/** Byte order the addresses of a dump prove, or undefined. */
export function detectByteOrder(text: string): ByteOrder | undefined {
  let le = 0;
  let be = 0;
  for (const line of text.split("\n")) {
    const m = ROW.exec(line);
    if (!m) continue;
    for (const [hex, isLocal] of [
      [m[1] as string, true],
      [m[2] as string, false],
    ] as const) {
      le += plausibility(addressBytes(hex, "LE"), isLocal);
      be += plausibility(addressBytes(hex, "BE"), isLocal);
    }
  }
  if (le === be) return undefined;
  return le > be ? "LE" : "BE";
}

/** tcp or udp, from a table's header and rows. */
function detectProto(header: string | undefined, rows: readonly string[]): Proto {
  // The header decides: udp and udp6 end theirs in "ref pointer drops", tcp and tcp6 in "inode".
  if (header) return /\bdrops\b/.test(header) ? "udp" : "tcp";
  for (const row of rows) {
    const fields = row.trim().split(/\s+/);
    if (fields.length >= 15) return "tcp";
    const st = ROW.exec(row)?.[3]?.toUpperCase();
    if (st !== undefined && st !== "07" && st !== "01") return "tcp";
  }
  return rows.length === 0 ? "tcp" : "udp";
}

export function replayProcNet(text: string, options: ProcReplayOptions): ProcReplayResult {
  const detected = options.byteOrder === undefined ? detectByteOrder(text) : undefined;
  const byteOrder = options.byteOrder ?? detected ?? "LE";
  const byteOrderReason =
    options.byteOrder !== undefined
      ? "as given by --byte-order"
      : detected !== undefined
        ? "detected from the addresses"
        : "assumed: no address proves either order (use --byte-order be for MIPS or s390x captures)";

  // Split into tables at each header, keeping absolute line numbers.
  const lines = text.split("\n");
  // The kernel ends every row with a line break: a last row without one was cut short (a full
  // disk, an interrupted copy) if the cut fell within the ten fields read, where a number may be
  // cut too (inode 31337 read as 313). It is reported, not parsed.
  const cut: Problem[] = [];
  const last = lines[lines.length - 1]!;
  if (last.trim() !== "" && !HEADER.test(last) && !firstFieldsWhole(last)) {
    cut.push({ source: options.source, line: lines.length, text: last, reason: "row cut short: the capture ends in the middle of it" });
    lines.pop();
  }
  const tables: Array<{ start: number; header?: string; rows: string[] }> = [];
  let current: { start: number; header?: string; rows: string[] } | undefined;
  lines.forEach((line, i) => {
    if (HEADER.test(line)) {
      current = { start: i, header: line, rows: [] };
      tables.push(current);
      return;
    }
    if (!current) {
      current = { start: i, rows: [] };
      tables.push(current);
    }
    current.rows.push(line);
  });

  const records: SocketRecord[] = [];
  const problems: Problem[] = [];
  for (const table of tables) {
    const proto = detectProto(table.header, table.rows.filter((r) => ROW.test(r)));
    // Pad with blank lines so parseProcNet's line numbers are the file's.
    const body = "\n".repeat(table.start) + (table.header !== undefined ? `${table.header}\n` : "") + table.rows.join("\n");
    const parsed = parseProcNet(body, { proto, byteOrder, source: options.source });
    append(records, parsed.records);
    append(problems, parsed.problems);
  }
  append(problems, cut);
  return { records, problems, byteOrder, byteOrderReason };
}

/** True when the ten fields parseProcNet reads are all there and each ends before the line does. */
function firstFieldsWhole(line: string): boolean {
  const fields = line.trimStart().split(/\s+/);
  return fields.length > 10 || (fields.length === 10 && /\s$/.test(line));
}
