import { TcpstatError } from "../errors.js";
import type { ParseResult } from "../model/socket.js";
import { parseSockstat } from "./freebsd/parse-sockstat.js";
import type { ByteOrder } from "./linux-procfs/parse-proc-net.js";
import { parseLinuxNetstat } from "./linux-netstat/parse-netstat-tuanp.js";
import { parseSs } from "./linux-ss/parse-ss.js";
import { parseLsofColumns } from "./lsof/parse-lsof-columns.js";
import { parseLsofFields } from "./lsof/parse-lsof-fields.js";
import { parseBsdNetstat } from "./macos-netstat/parse-netstat-anv.js";
import { looksLikeProcNet, replayProcNet } from "./replay-proc-net.js";
import { parseNetstatAno } from "./windows-netstat/parse-netstat-ano.js";
import { recoverOemText } from "../lib/oem-text.js";
import { parsePowershell } from "./windows-powershell/parse-powershell.js";

/**
 * `--input FILE`: captured output replayed through the same parsers the live sources use.
 * Each format is `{ name, detect(firstLines), parse(text, options) }`; sniff() asks them in
 * order and the first that recognizes the opening lines wins, so more specific formats come first.
 *
 *   sniff("Netid State  Recv-Q ...\ntcp LISTEN 0 128 0.0.0.0:22 ...")  -> the "linux-ss" format
 */

export interface ReplayOptions {
  /** Name for problem reports: the file name, or "stdin". */
  source: string;
  /** /proc dumps: the writer's byte order, when --byte-order gives it. */
  byteOrder?: ByteOrder;
}

export interface ReplayParsed extends ParseResult {
  notices?: string[];
  /** Extra words for --verbose, e.g. the byte order a /proc dump was read in. */
  detail?: string;
  /** /proc dumps: the byte order the capture was read in (given or detected). */
  byteOrder?: ByteOrder;
}

export interface ReplayFormat {
  name: string;
  description: string;
  /** True when the first (non-blank) lines of a capture are this format. */
  detect(lines: readonly string[]): boolean;
  parse(text: string, options: ReplayOptions): ReplayParsed;
}

const any = (lines: readonly string[], re: RegExp) => lines.some((l) => re.test(l));

// A BSD netstat socket row: proto with a 4/6/46 suffix, or BSD `addr.port` endpoints.
const BSD_ROW = /^\s*(?:[0-9a-f]{8,16}\s+(?:[0-9a-f]{1,8}\s+)?)?(tcp|udp)(4|6|46)\s+\d+\s+\d+\s+\S+\.(\d+|\*)\s+\S+\.(\d+|\*)/;
const LINUX_NETSTAT_ROW = /^(tcp|udp|raw)6?\s+\d+\s+\d+\s+\S+:(\d+|\*)\s+\S+:(\d+|\*)/;
const SS_ROW = /^(tcp|udp|mptcp|u_str|u_dgr|u_seq|nl|p_raw|p_dgr|raw|icmp6|sctp)\s+(ESTAB|LISTEN|UNCONN|SYN-SENT|SYN-RECV|FIN-WAIT-1|FIN-WAIT-2|TIME-WAIT|CLOSE-WAIT|LAST-ACK|CLOSING|CLOSED)\s+\d+\s+\d+\s/;
/**
 * An lsof column row: "sshd 812 root 3u IPv4 23110 0t0 TCP *:22 (LISTEN)": a command, a pid,
 * then a TYPE of IPv4/IPv6 whose third token after is TCP/UDP, followed by more. By tokens,
 * in one pass: the regex it replaces (/^\S.*?\s\d+\s.*\s(IPv4|IPv6)\s+\S+\s+\S+\s+(TCP|UDP)\s/)
 * backtracked quadratically, 19.5 s on one 256 KB line (issue 22).
 */
export function isLsofRow(line: string): boolean {
  if (line === "" || /^\s/.test(line)) return false;
  const tokens = line.split(/\s+/);
  let pidSeen = false;
  for (let i = 1; i < tokens.length; i++) {
    const token = tokens[i]!;
    if ((token === "IPv4" || token === "IPv6") && pidSeen) {
      const node = tokens[i + 3];
      // TCP/UDP followed by whitespace: another token, or trailing space (an empty last token).
      if ((node === "TCP" || node === "UDP") && i + 4 < tokens.length) return true;
    }
    if (!pidSeen && /^\d+$/.test(token)) pidSeen = true;
  }
  return false;
}

/**
 * The replay formats, most specific first: the Windows formats (netstat -ano/-an/-anob in any
 * language or code page, PowerShell JSON) ahead of the Unix ones.
 */
const WINDOWS_REPLAY_FORMATS: ReplayFormat[] = [
  {
    name: "windows-netstat",
    description: "Windows netstat -ano, -an, -anob or plain netstat, any language or code page",
    // TCP/UDP in capitals followed by two colon endpoints; Linux netstat has Recv-Q numbers there.
    detect: (lines) => any(lines, /^\s*(TCP|UDP)(v6)?\s+(\[[^\]\s]*\]|[^\s[\]]+):\S+\s+(\S+:\S+|\*:\*)(\s|$)/),
    // A capture in an OEM code page was read as latin1: decode its bytes in the right one first.
    parse: (text, o) => parseNetstatAno(recoverOemText(text), { source: o.source }),
  },
  {
    name: "powershell",
    description: "Get-NetTCPConnection / Get-NetUDPEndpoint | ConvertTo-Json",
    detect: (lines) => /^\s*[[{]/.test(lines[0] ?? "") && any(lines.slice(0, 5), /"LocalAddress"\s*:/),
    parse: (text, o) => parsePowershell(text, o.source),
  },
];

const UNIX_REPLAY_FORMATS: ReplayFormat[] = [
  {
    name: "linux-procfs",
    description: "Linux /proc/net/tcp, tcp6, udp, udp6 dumps (either byte order)",
    detect: looksLikeProcNet,
    parse(text, o) {
      const r = replayProcNet(text, { source: o.source, byteOrder: o.byteOrder });
      return { ...r, detail: `${r.byteOrder === "LE" ? "little" : "big"}-endian, ${r.byteOrderReason}` };
    },
  },
  {
    name: "linux-ss",
    description: "Linux ss -tuanp (any of -l -e -o -i -M -H)",
    detect: (lines) => any(lines, /^(Netid\s+)?State\s+Recv-Q\s+Send-Q\s+Local Address:Port/) || any(lines, SS_ROW),
    parse: (text, o) => parseSs(text, { source: o.source }),
  },
  {
    name: "freebsd-sockstat",
    description: "FreeBSD sockstat -46",
    detect: (lines) => any(lines, /^USER\s+COMMAND\s+PID\s+FD\s+PROTO\s+LOCAL ADDRESS/),
    parse: (text, o) => parseSockstat(text, { source: o.source }),
  },
  {
    name: "freebsd-netstat",
    description: "FreeBSD netstat -an, -AanP",
    detect: (lines) =>
      any(lines, /^Tcpcb\s+Proto\b/) ||
      any(lines, /\(state\)\s+Log ID/) ||
      (any(lines, /^Active UNIX domain sockets/) && any(lines, BSD_ROW)),
    parse: (text, o) => parseBsdNetstat(text, { source: o.source }),
  },
  {
    name: "macos-netstat",
    description: "macOS netstat -an, -anv, -An (Mojave to Tahoe layouts)",
    detect: (lines) => any(lines, /^(Socket\s+Flowhash\s+)?Proto\s+Recv-Q\s+Send-Q\s+Local Address\s+Foreign Address\s+\(state\)/) || any(lines, BSD_ROW),
    parse: (text, o) => parseBsdNetstat(text, { source: o.source }),
  },
  {
    name: "linux-netstat",
    description: "Linux netstat -tuanp (net-tools)",
    detect: (lines) => any(lines, /^Proto\s+Recv-Q\s+Send-Q\s+Local Address\s+Foreign Address\s+State\b/) || any(lines, LINUX_NETSTAT_ROW),
    parse: (text, o) => parseLinuxNetstat(text, { source: o.source }),
  },
  {
    name: "lsof-fields",
    description: "lsof -F field output (lsof -nP -iTCP -iUDP -F pcnPtTf)",
    detect: (lines) => /^p\d+$/.test(lines[0] ?? "") || /^p\d+\0/.test(lines[0] ?? ""),
    parse: (text, o) => parseLsofFields(text, { source: o.source }),
  },
  {
    name: "lsof",
    description: "lsof column output (lsof -nP -iTCP -iUDP)",
    detect: (lines) => any(lines, /^COMMAND\s+PID\s+.*\bTYPE\s+DEVICE\b/) || lines.some(isLsofRow),
    parse: (text, o) => parseLsofColumns(text, { source: o.source }),
  },
];

export function replayFormats(): ReplayFormat[] {
  return [...WINDOWS_REPLAY_FORMATS, ...UNIX_REPLAY_FORMATS];
}

const SNIFF_LINES = 40;

/** The format of a capture, judged by its first non-blank lines, or undefined. */
export function sniff(text: string): ReplayFormat | undefined {
  const lines = text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "")
    .slice(0, SNIFF_LINES);
  if (lines.length === 0) return undefined;
  return replayFormats().find((f) => f.detect(lines));
}

/**
 * Capture bytes as text: a UTF-16 or UTF-8 byte order mark decides (PowerShell's `>` writes
 * UTF-16LE); otherwise UTF-8 when the bytes are valid UTF-8, else latin1 so that every byte
 * survives as one character for a format that knows its code page (Windows OEM consoles).
 */
export function decodeCapture(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString("utf16le");
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2));
    swapped.swap16();
    return swapped.toString("utf16le");
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString("utf8");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return bytes.toString("latin1");
  }
}

export interface ReplayResult extends ReplayParsed {
  format: string;
  /** One line for --verbose: which format, detected or forced. */
  verbose: string;
}

/** Replays a capture: sniffs (or takes `format`) and parses. Unknown or empty input throws. */
export function replayCapture(text: string, options: ReplayOptions & { format?: string }): ReplayResult {
  const formats = replayFormats();
  const names = formats.map((f) => f.name);
  let format: ReplayFormat | undefined;
  if (options.format !== undefined) {
    format = formats.find((f) => f.name === options.format);
    if (!format) throw new TcpstatError(`unknown input format '${options.format}'`, `choose one of: ${names.join(", ")}`, 2);
  } else {
    if (text.trim() === "") throw new TcpstatError(`${options.source} is empty: there is nothing to replay`, "capture the command's output into the file first");
    format = sniff(text);
    if (!format)
      throw new TcpstatError(
        `could not recognize the format of ${options.source}`,
        `tcpstat reads: ${formats.map((f) => `${f.name} (${f.description})`).join("; ")}; name one with --input-format`,
      );
  }
  const parsed = format.parse(text, options);
  const how = options.format !== undefined ? "as given by --input-format" : "detected";
  const verbose = `input format: ${format.name} (${how})${parsed.detail ? `; ${parsed.detail}` : ""}`;
  return { ...parsed, format: format.name, verbose };
}
