import type { Family, ParseResult, Proto, SocketRecord } from "../../model/socket.js";
import { canonicalState } from "../../model/state.js";
import type { ServiceTable } from "../../lib/services.js";
import { endpointRecord, markTruncated, numberedLines, problem, readEndpoints, splitDotted } from "../text-endpoint.js";
import { cutNotice, type CutRow } from "../truncated.js";
import { keepChecked } from "../../lib/record-guard.js";

/**
 * BSD netstat's internet section, as macOS and FreeBSD print it (`netstat -an`, `-anv`, `-An`, `-AanP`).
 * Columns are found by the header, never by position; the layouts Apple shipped:
 *
 *   Mojave  Proto Recv-Q Send-Q  Local Address  Foreign Address  (state)  rhiwat shiwat    pid   epid  state    options
 *   12-15   ... (state)  rhiwat  shiwat    pid   epid state  options  gencnt  flags  flags1 usscnt rtncnt fltrs
 *   Tahoe   ... (state)  rxbytes  txbytes  rhiwat  shiwat  process:pid  state  options  gencnt ...
 *   -A      Socket  Flowhash  Proto ...       (FreeBSD: Tcpcb Proto ... (state) Log ID)
 *   NetBSD, OpenBSD, QNX: bare `tcp`/`udp` rows in "Active Internet connections" and `tcp6` in
 *   "Active Internet6 connections"; -A puts PCB first. AIX netstat -Aan: PCB/ADDR Proto ...
 *
 *   tcp4  0  0  192.168.1.5.443  17.1.2.3.52100  ESTABLISHED ...  curl:53171 ...
 *   -> tcp ipv4 192.168.1.5:443 <-> 17.1.2.3:52100 ESTABLISHED pid 53171 "curl"
 *
 * Tahoe's `process:pid` holds a right-aligned name cut to 16 characters that may contain
 * spaces (`Code Helper (Plu:21891`): the columns after it are matched from the right, so the
 * name takes whatever tokens are left and a byte count is never read as a pid.
 * UDP rows leave (state) blank. Rows of other protocols (icm4, raw) and the UNIX-domain,
 * kernel-event and kernel-control sections make no records.
 *
 * Without a header (`netstat -anv | grep LISTEN`) the layout is recognized from each row's shape:
 * how many columns follow the state and where the hex `state options` pair sits (6 columns on
 * Mojave, 12 on macOS 12-15, rxbytes txbytes rhiwat shiwat + name:pid + 8 on Tahoe), so the
 * pid is read in every layout the header would name.
 *
 * netstat cuts addresses that do not fit the column (`fe80::87e6:73b7:.1024`, or with -A the
 * whole `192.168.1.221.5486`, a port that lost a digit): such rows keep the text as printed, the
 * cut fields are listed in the record's `truncated`, and a notice names the first.
 * Without -n, ports are service names (`*.http`, `localhost.ssh`: looked up) and addresses host
 * names (kept in localHost/remoteHost).
 *
 * BSD state words come from sys/netinet/tcp_fsm.h (tcpstates[]): CLOSED, LISTEN, SYN_SENT,
 * SYN_RCVD, ESTABLISHED, CLOSE_WAIT, FIN_WAIT_1, CLOSING, LAST_ACK, FIN_WAIT_2, TIME_WAIT;
 * they map through the one alias table (canonicalState).
 */

interface BsdNetstatOptions {
  /** Name used in problem reports. */
  source?: string;
  services?: ServiceTable;
}

export interface BsdNetstatResult extends ParseResult {
  notices: string[];
}

const PROTO = /^(tcp|udp)(4|6|46)?$/;
const OTHER_PROTO = /^(icm|raw|div|ip|sctp|rip|igmp|pim|carp|ipx|ddp)\w*$/;

interface Layout {
  /** Column names after the address columns, "(state)" first. */
  tail: string[];
  /** Index of the process/pid column in `tail`, or -1. */
  ownerAt: number;
  /** Width of the Local Address column in the header (for spotting cut-off text). */
  addressWidth: number;
}

function readHeader(line: string): Layout | null {
  const local = line.indexOf("Local Address");
  const foreign = line.indexOf("Foreign Address");
  if (!/^\s*(Socket|Tcpcb|PCB|Proto)\b/.test(line) || local < 0 || foreign < 0) return null;
  const after = line.slice(foreign + "Foreign Address".length).trim();
  // "Log ID" is one FreeBSD column spelled with a space.
  const tail = after === "" ? [] : after.replace(/Log ID/, "Log_ID").split(/\s+/);
  const ownerAt = tail.findIndex((c) => c === "pid" || c === "process:pid");
  return { tail, ownerAt, addressWidth: foreign - local - 1 };
}

const DEFAULT_LAYOUT: Layout = { tail: ["(state)"], ownerAt: -1, addressWidth: 0 };

const headerless = (tail: string): Layout => ({ ...(readHeader(`Proto Local Address Foreign Address ${tail}`) as Layout), addressWidth: 0 });
/** The -v layouts Apple shipped, as their headers name the columns (see the top of this file). */
const MOJAVE = headerless("(state) rhiwat shiwat pid epid state options");
const MONTEREY_TO_SEQUOIA = headerless("(state) rhiwat shiwat pid epid state options gencnt flags flags1 usscnt rtncnt fltrs");
const TAHOE = headerless("(state) rxbytes txbytes rhiwat shiwat process:pid state options gencnt flags flags1 usecnt rtncnt fltrs");

const HEX = /^(0x)?[0-9a-f]+$/i;
const GENCNT = /^[0-9a-f]{16}$/i;
const DIGITS = /^\d+$/;

/**
 * The layout of a row read without a header, from the columns after its state:
 *   Mojave  131072 131768 9811 0 0x0102 0x00000008                                  (6)
 *   12-15   131072 131072 10521 0 00100 00000006 000000000000965d 00000000 00000900 1 0 000001   (12)
 *   Tahoe   8843213 221734 131072 131768 curl:4242 00102 00000008 00000000001c3a66 ... (4 + name:pid + 8)
 */
function layoutOfRow(rest: readonly string[]): Layout {
  const n = rest.length;
  const counts = n >= 4 && rest.slice(0, 4).every((t) => DIGITS.test(t));
  if (!counts) return DEFAULT_LAYOUT;
  if (n === 6 && /^0x/i.test(rest[4] as string) && HEX.test(rest[5] as string)) return MOJAVE;
  if (n === 12 && HEX.test(rest[4] as string) && GENCNT.test(rest[6] as string)) return MONTEREY_TO_SEQUOIA;
  if (n >= 13 && HEX.test(rest[n - 8] as string) && GENCNT.test(rest[n - 6] as string)) return TAHOE;
  return DEFAULT_LAYOUT;
}

/**
 * tcp4/udp4 are IPv4; tcp6, tcp46 (dual stack) IPv6. A bare `tcp`/`udp` (NetBSD, OpenBSD, QNX,
 * AIX) takes its family from its section: "Active Internet connections" is IPv4, "Active
 * Internet6 connections" IPv6; with no section heading (grep), from the address it prints.
 */
function familyOf(proto: string, section: Family | null, localText: string): Family {
  if (proto.endsWith("4")) return "ipv4";
  if (proto.endsWith("6")) return "ipv6";
  return section ?? (localText.includes(":") ? "ipv6" : "ipv4");
}

/** `name:pid` (Tahoe) or a bare pid (older -v layouts). */
function readOwner(text: string): { pid: number | null; process: string | null } | null {
  const colon = text.lastIndexOf(":");
  const pidText = colon < 0 ? text : text.slice(colon + 1);
  if (!/^\d+$/.test(pidText)) return null;
  const pid = Number(pidText);
  const name = colon < 0 ? null : text.slice(0, colon).trim();
  return { pid: pid > 0 ? pid : null, process: name === "" ? null : name };
}

export function parseBsdNetstat(text: string, options: BsdNetstatOptions = {}): BsdNetstatResult {
  const source = options.source ?? "netstat";
  const records: SocketRecord[] = [];
  const problems = [];
  const cuts: CutRow[] = [];
  let layout: Layout = DEFAULT_LAYOUT;
  let header = false;
  let inInternet = true;
  let section: Family | null = null;

  for (const [n, line] of numberedLines(text)) {
    const trimmed = line.trim();
    if (trimmed === "") continue;
    if (/^Active Internet/i.test(trimmed)) {
      inInternet = true;
      section = /^Active Internet6/i.test(trimmed) ? "ipv6" : "ipv4";
      continue;
    }
    // Only the sections known to hold no TCP/UDP sockets are skipped: a banner that is damaged
    // or new keeps its rows read (or reported), never silently dropped.
    if (/^(Active\s+(UNIX|LOCAL|kernel|Multipath|Netgraph|Bluetooth|ATM)|Registered)\b/i.test(trimmed)) {
      inInternet = false; // UNIX domain, kernel event/control sections
      continue;
    }
    if (!inInternet) continue;
    const named = readHeader(line);
    if (named) {
      layout = named;
      header = true;
      continue;
    }
    const tokens = trimmed.split(/\s+/);
    const at = tokens.findIndex((t) => PROTO.test(t) || OTHER_PROTO.test(t));
    if (at < 0 || at > 2) {
      problems.push(problem(source, n, line, "not a netstat socket row"));
      continue;
    }
    const protoWord = tokens[at] as string;
    if (!PROTO.test(protoWord)) continue; // icm4, raw: not TCP/UDP sockets
    const proto = protoWord.slice(0, 3) as Proto;
    const [rq, sq, localText, remoteText] = tokens.slice(at + 1, at + 5);
    const family = familyOf(protoWord, section, localText ?? "");
    const local = localText ? splitDotted(localText) : null;
    const remote = remoteText ? splitDotted(remoteText) : null;
    if (!/^\d+$/.test(rq ?? "") || !/^\d+$/.test(sq ?? "") || !local || !remote) {
      problems.push(problem(source, n, line, "expected Proto Recv-Q Send-Q Local Foreign"));
      continue;
    }
    const ends = readEndpoints(local, remote, family, { proto, services: options.services });
    if (typeof ends === "string") {
      problems.push(problem(source, n, line, ends));
      continue;
    }
    const rest = tokens.slice(at + 5);
    // A TCP row carries its state; UDP leaves (state) blank, so a state word there is dropped
    // and the tail lines up with the header either way.
    const stateWord = proto === "tcp" ? (rest.shift() ?? null) : null;
    if (proto !== "tcp" && rest[0] !== undefined && canonicalState(rest[0]) !== undefined) rest.shift();
    const state = stateWord === null ? null : canonicalState(stateWord);
    if (proto === "tcp" && (state === undefined || stateWord === null)) {
      problems.push(problem(source, n, line, `unknown TCP state '${stateWord ?? ""}'`));
      continue;
    }
    const record = endpointRecord(proto, family, ends);
    record.state = proto === "tcp" ? (state ?? null) : null;
    record.recvQ = Number(rq);
    record.sendQ = Number(sq);

    const shape = header ? layout : layoutOfRow(rest);
    if (shape.ownerAt > 0) {
      const columns = shape.tail.slice(1);
      const ownerIdx = shape.ownerAt - 1;
      const after = columns.length - ownerIdx - 1;
      const ownerTokens = rest.slice(ownerIdx, rest.length - after);
      const owner = ownerTokens.length > 0 ? readOwner(ownerTokens.join(" ")) : null;
      if (rest.length < columns.length || !owner) {
        problems.push(problem(source, n, line, "unreadable pid column"));
        continue;
      }
      record.pid = owner.pid;
      record.process = owner.process;
    }
    const width = shape.addressWidth;
    if (!keepChecked(record, { records, problems }, { source, line: n, text: line })) continue;
    // A text as wide as the column lost its end: the port's last digits (netstat prints `%-*.*s`).
    if (width > 0 && localText!.length >= width) markTruncated(record, "localPort");
    if (width > 0 && remoteText!.length >= width && record.remotePort !== null) markTruncated(record, "remotePort");
    if (record.truncated) cuts.push({ line: n, record });
  }
  const notices = cutNotice(
    source,
    cuts,
    "fill netstat's address column, so their addresses or ports may be cut off (run netstat -anv without -A, or with -W, for full addresses)",
  );
  return { records, problems, notices };
}
