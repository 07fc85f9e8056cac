import { TcpstatError } from "../errors.js";
import { escapeControl } from "../lib/safe-text.js";
import { nearest } from "../lib/suggest.js";
import type { Problem } from "../model/socket.js";
import { dedent } from "./paste.js";
import { chooseFormat, cleanCapture, closestFormats, headOf, rankCapture, rankFormats, type Ranked } from "./replay-rank.js";
import type { ReplayFormat, ReplayOptions, ReplayParsed } from "./replay-format.js";
import { parseSockstat } from "./freebsd/parse-sockstat.js";
import { parseLinuxNetstat } from "./linux-netstat/parse-netstat-tuanp.js";
import { parseSs } from "./linux-ss/parse-ss.js";
import { parseLsofColumns } from "./lsof/parse-lsof-columns.js";
import { parseLsofFields } from "./lsof/parse-lsof-fields.js";
import { parseBsdNetstat } from "./macos-netstat/parse-netstat-anv.js";
import { parseSolarisNetstat } from "./solaris-netstat/parse-netstat-an.js";
import { looksLikeProcNet, replayProcNet } from "./replay-proc-net.js";
import { parseNetstatAno } from "./windows-netstat/parse-netstat-ano.js";
import { recoverOemText } from "../lib/oem-text.js";
import { parsePowershell } from "./windows-powershell/parse-powershell.js";
import { parsePowershellText } from "./windows-powershell/parse-powershell-text.js";

/**
 * `--input FILE`: captured output replayed through the same parsers the live sources use.
 * Each format is `{ name, detect(firstLines), parse(text, options) }`. What was pasted around the
 * capture (prompts, fences, quotes, notices, indentation) is taken off first (paste.ts); then
 * every format's parser reads the capture's head and the one that reads the most rows wins
 * (replay-rank.ts), detect() breaking ties, so more specific formats come first in the list.
 *
 *   sniff("$ ss -tan\nState  Recv-Q ...\nLISTEN 0 128 0.0.0.0:22 ...")  -> the "linux-ss" format
 */

export type { ReplayFormat, ReplayOptions, ReplayParsed } from "./replay-format.js";

const any = (lines: readonly string[], re: RegExp) => lines.some((l) => re.test(l));

// A BSD netstat socket row: proto (bare on NetBSD/OpenBSD/QNX/AIX, else with a 4/6/46 suffix) with BSD `addr.port` endpoints.
const BSD_ROW = /^\s*(?:[0-9a-f]{8,16}\s+(?:[0-9a-f]{1,8}\s+)?)?(tcp|udp)(4|6|46)?\s+\d+\s+\d+\s+\S+\.([\w-]+|\*)\s+\S+\.([\w-]+|\*)/;
// A Solaris TCP row: two addr.port endpoints, Swind Send-Q Rwind Recv-Q, a state word.
const SOLARIS_TCP_ROW = /^\s*\S+\.(\d+|\*)\s+\S+\.(\d+|\*)\s+(\S+\s+\d+\s+\S+\s+)?\d+\s+\d+\s+\d+\s+\d+\s+[A-Z][A-Z_12]+\b/;
const LINUX_NETSTAT_ROW = /^(tcp|udp|raw)6?\s+\d+\s+\d+\s+\S+:([\w-]+|\*)\s+\S+:([\w-]+|\*)/;
const SS_STATE = "(ESTAB|LISTEN|UNCONN|SYN-SENT|SYN-RECV|FIN-WAIT-1|FIN-WAIT-2|TIME-WAIT|CLOSE-WAIT|LAST-ACK|CLOSING|CLOSED)";
// With or without the Netid column (one protocol, -H, grep) and the State column (a state filter).
const SS_ROW = new RegExp(
  `^(?:(tcp|udp|mptcp|u_str|u_dgr|u_seq|nl|p_raw|p_dgr|raw|icmp6|sctp)\\s+)?(?:${SS_STATE}\\s+\\d+\\s+\\d+\\s+\\S+:\\S+\\s+\\S+:\\S+|\\d+\\s+\\d+\\s+\\S+:\\S+\\s+\\S+:\\S+(?=\\s|$)(?!\\s+[A-Z][A-Z_0-9-]+(\\s|$)))`,
);
const SS_HEADER = /^(Netid\s+)?(State\s+)?Recv-Q\s+Send-Q\s+Local Address:Port/;
/**
 * An lsof column row: "sshd 812 root 3u IPv4 23110 0t0 TCP *:22 (LISTEN)": a command, a pid,
 * then a TYPE of IPv4/IPv6 whose third token after is TCP/UDP, followed by more. By tokens,
 * in one pass: the regex it replaces (/^\S.*?\s\d+\s.*\s(IPv4|IPv6)\s+\S+\s+\S+\s+(TCP|UDP)\s/)
 * backtracked quadratically on one long line (issue 22; BENCHMARKS.md, issue 15).
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
    description: "Get-NetTCPConnection / Get-NetUDPEndpoint: ConvertTo-Json, the default table, Select-Object, Format-List",
    detect: (lines) =>
      (/^\s*[[{]/.test(lines[0] ?? "") && any(lines.slice(0, 5), /"LocalAddress"\s*:/)) ||
      any(lines, /^\s*LocalAddress\s*:/) ||
      (any(lines, /\bLocalAddress\b.*\bLocalPort\b/) && any(lines, /^\s*-{3,}(\s+-{3,})+\s*$/)),
    // JSON when it opens like JSON; otherwise the console's table or list views.
    parse: (text, o) => (/^\uFEFF?\s*[[{]/.test(text) ? parsePowershell(text, o.source) : parsePowershellText(text, o.source)),
    likeness: /\b(LocalAddress|LocalPort|OwningProcess|AppliedSetting)\b/,
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
    detect: (lines) => any(lines, SS_HEADER) || any(lines, SS_ROW),
    parse: (text, o) => parseSs(text, { source: o.source, services: o.services, commands: o.commands }),
    likeness: /\b(Netid|Recv-Q|ESTAB|UNCONN|LISTEN|users:\(\(|timer:\()/,
  },
  {
    name: "freebsd-sockstat",
    description: "FreeBSD sockstat -46",
    detect: (lines) => any(lines, /^USER\s+COMMAND\s+PID\s+FD\s+PROTO\s+LOCAL ADDRESS/),
    parse: (text, o) => parseSockstat(text, { source: o.source }),
    likeness: /\b(USER|COMMAND|tcp[46]|udp[46])\b/,
  },
  {
    name: "freebsd-netstat",
    description: "FreeBSD netstat -an, -AanP",
    detect: (lines) =>
      any(lines, /^Tcpcb\s+Proto\b/) ||
      any(lines, /\(state\)\s+Log ID/) ||
      (any(lines, /^Active UNIX domain sockets/) && any(lines, BSD_ROW)),
    parse: (text, o) => parseBsdNetstat(text, { source: o.source, services: o.services }),
    likeness: /\b(Tcpcb|tcp[46]|udp[46]|Active Internet)\b/,
  },
  {
    name: "solaris-netstat",
    description: "Solaris and illumos netstat -an (TCP: IPv4 / UDP: IPv6 sections, -u owners)",
    detect: (lines) =>
      any(lines, /^\s*(TCP|UDP): IPv[46]\s*$/) ||
      any(lines, /^\s*Local Address\s+Remote Address\s+(User\s+Pid\s+Command\s+)?Swind\s+Send-Q\s+Rwind\s+Recv-Q/) ||
      any(lines, SOLARIS_TCP_ROW),
    parse: (text, o) => parseSolarisNetstat(text, { source: o.source }),
    likeness: /\b(TCP: IPv[46]|UDP: IPv[46]|Swind|Rwind|IDLE|BOUND|Unbound)\b/,
  },
  {
    name: "macos-netstat",
    description: "macOS netstat -an, -anv, -An (Mojave to Tahoe); NetBSD, OpenBSD, QNX netstat -an; AIX netstat -Aan",
    detect: (lines) =>
      any(lines, /^((Socket\s+Flowhash|PCB(\/ADDR)?)\s+)?Proto\s+Recv-Q\s+Send-Q\s+Local Address\s+Foreign Address\s+\(state\)/) || any(lines, BSD_ROW),
    parse: (text, o) => parseBsdNetstat(text, { source: o.source, services: o.services }),
    likeness: /\b(tcp46|tcp4|udp4|\(state\)|rhiwat|Flowhash|PCB)\b/,
  },
  {
    name: "linux-netstat",
    description: "Linux netstat -tuanp (net-tools)",
    detect: (lines) => any(lines, /^Proto\s+Recv-Q\s+Send-Q\s+Local Address\s+Foreign Address\s+State\b/) || any(lines, LINUX_NETSTAT_ROW),
    parse: (text, o) => parseLinuxNetstat(text, { source: o.source, services: o.services }),
    likeness: /\b(Proto|Recv-Q|tcp6?|udp6?|LISTEN|ESTABLISHED|PID\/Program)\b/,
  },
  {
    name: "lsof-fields",
    description: "lsof -F field output (lsof -nP -iTCP -iUDP -F pcnPtTf)",
    detect: (lines) => /^p\d+$/.test(lines[0] ?? "") || /^p\d+\0/.test(lines[0] ?? ""),
    parse: (text, o) => parseLsofFields(text, { source: o.source, services: o.services }),
    likeness: /^[pcfnPT]\S/,
  },
  {
    name: "lsof",
    description: "lsof column output (lsof -nP -iTCP -iUDP)",
    detect: (lines) => any(lines, /^COMMAND\s+PID\s+.*\bTYPE\s+DEVICE\b/) || lines.some(isLsofRow),
    parse: (text, o) => parseLsofColumns(text, { source: o.source, services: o.services }),
    likeness: /\b(COMMAND|IPv4|IPv6|TCP|UDP|NODE)\b/,
  },
];

export function replayFormats(): ReplayFormat[] {
  return [...WINDOWS_REPLAY_FORMATS, ...UNIX_REPLAY_FORMATS];
}

/** The format of a capture, judged by the rows each format reads from its head, or undefined. */
export function sniff(text: string): ReplayFormat | undefined {
  const head = headOf(text);
  return chooseFormat(rankCapture(replayFormats(), text, cleanCapture(head, head)))?.format;
}

export interface ReplayResult extends ReplayParsed {
  format: string;
  /** One line for --verbose: which format, detected or forced. */
  verbose: string;
}

/** Replays a capture: sniffs (or takes `format`) and parses. Unknown or empty input throws. */
export function replayCapture(text: string, options: ReplayOptions & { format?: string }): ReplayResult {
  const formats = replayFormats();
  const head = headOf(text);
  const commands: string[] = [];
  const cleanHead = cleanCapture(head, head, commands);
  let chosen: Ranked | undefined;
  if (options.format !== undefined) {
    const format = formats.find((f) => f.name === options.format);
    if (!format) {
      const guess = nearest(options.format, formats.map((f) => f.name));
      throw new TcpstatError(
        `unknown input format '${options.format}'${guess ? ` (did you mean ${guess}?)` : ""}`,
        `choose one of: ${formats.map((f) => f.name).join(", ")} (tcpstat --input-format help describes them)`,
        2,
      );
    }
    chosen = rankFormats([format], cleanHead)[0]!;
  } else {
    if (text.trim() === "") throw new TcpstatError(`${options.source} is empty: there is nothing to replay`, "capture the command's output into the file first");
    const ranked = rankCapture(formats, text, cleanHead);
    chosen = chooseFormat(ranked);
    if (!chosen)
      throw new TcpstatError(
        `could not recognize the format of ${options.source} (closest: ${closestFormats(ranked).join(", ")})`,
        `name one with --input-format; ${LIST_THEM}`,
      );
  }
  const { format, indent } = chosen;
  const parsed = format.parse(dedent(text.length === head.length ? cleanHead : cleanCapture(text, head), indent), { ...options, commands });
  if (options.format !== undefined && parsed.records.length === 0 && text.trim() !== "" && (parsed.problems.length > 0 || !chosen.detected))
    throw noRecordError(format.name, options.source, parsed.problems[0], cleanHead);
  const how = options.format !== undefined ? "as given by --input-format" : "detected";
  const verbose = `input format: ${format.name} (${how})${indent !== "" ? "; indented lines" : ""}${parsed.detail ? `; ${parsed.detail}` : ""}`;
  return { ...parsed, format: format.name, verbose };
}

const LIST_THEM = "tcpstat --input-format help lists them all";

/** A forced format that read nothing: the first line it could not read, and why. */
function noRecordError(name: string, source: string, first: Problem | undefined, head: string): TcpstatError {
  const hint = `check that the capture is ${name} output; ${LIST_THEM}`;
  if (first) return new TcpstatError(`--input-format ${name} read no socket from ${source}: line ${first.line}: ${first.reason}: "${escapeControl(first.text.trim().slice(0, 80))}"`, hint);
  const lines = head.split("\n");
  const at = lines.findIndex((l) => l.trim() !== "");
  const quoted = at < 0 ? "" : `: line ${at + 1}: "${escapeControl((lines[at] as string).trim().slice(0, 80))}"`;
  return new TcpstatError(`--input-format ${name} read no socket from ${source}: no line is a ${name} row${quoted}`, hint);
}

/** `--input-format help`: every format tcpstat replays, one a line. */
export function describeFormats(): string {
  const formats = replayFormats();
  const width = Math.max(...formats.map((f) => f.name.length));
  return `${formats.map((f) => `${f.name.padEnd(width)}  ${f.description}`).join("\n")}\n`;
}
