import type { Family, ParseResult, Proto, SocketRecord } from "../../model/socket.js";
import type { TcpState } from "../../model/state.js";
import { keepChecked } from "../../lib/record-guard.js";
import { endpointRecord, numberedLines, problem, readEndpoints, splitDotted } from "../text-endpoint.js";

/**
 * Solaris and illumos `netstat -an` (also `-f inet`, `-P tcp`, and illumos `-u` owners): one
 * section per protocol and family, its heading deciding both.
 *
 *   TCP: IPv4
 *      Local Address        Remote Address    Swind Send-Q Rwind Recv-Q    State
 *   -------------------- -------------------- ----- ------ ----- ------ -----------
 *         *.22                 *.*                0      0 128000      0 LISTEN
 *   172.31.15.139.22     100.1.162.250.59344  130976      0 128872      0 ESTABLISHED
 *   -> tcp ipv4 0.0.0.0:22 LISTEN; tcp ipv4 172.31.15.139:22 <-> 100.1.162.250:59344 ESTABLISHED
 *
 *   UDP: IPv6
 *      Local Address                     Remote Address                   State      If
 *         *.546                                                         Idle
 *   -> udp ipv6 :::546
 *
 * TCP rows: local, remote, [User Pid Command with -u], Swind Send-Q Rwind Recv-Q, State, [If].
 * UDP rows: local, [remote when Connected], [User Pid Command], State (Idle, Unbound, Connected),
 * [If]. Columns are read by their tokens from the state word, not by position: windows and
 * addresses overflow their columns. SCTP sections and the UNIX-domain section make no records.
 * With -u a socket held by several processes is printed once per process: kept once, with the
 * first pid. Old releases (and v4 compat mode) print bare `TCP`/`UDP` headings: the address
 * decides the family.
 */

/**
 * TCP state words: mitcp_state() in illumos usr/src/cmd/cmd-inet/usr.bin/netstat/netstat.c, for
 * the TCPS_* states of usr/src/uts/common/netinet/tcp_fsm.h. IDLE (a socket not yet bound) and
 * BOUND (bound, neither listening nor connected) have no connection: CLOSE, like Linux's
 * unconnected sockets.
 */
const SOLARIS_TCP_STATES: Readonly<Record<string, TcpState>> = {
  CLOSED: "CLOSE",
  IDLE: "CLOSE",
  BOUND: "CLOSE",
  LISTEN: "LISTEN",
  SYN_SENT: "SYN_SENT",
  SYN_RCVD: "SYN_RECV",
  ESTABLISHED: "ESTABLISHED",
  CLOSE_WAIT: "CLOSE_WAIT",
  FIN_WAIT_1: "FIN_WAIT1",
  CLOSING: "CLOSING",
  LAST_ACK: "LAST_ACK",
  FIN_WAIT_2: "FIN_WAIT2",
  TIME_WAIT: "TIME_WAIT",
};

/** UDP state words: miudp_state() in the same file. UDP records carry no state. */
const SOLARIS_UDP_STATES = new Set(["Unbound", "Idle", "Connected"]);

const HEADING = /^(TCP|UDP|SCTP)(?::\s*(?:IPv([46]))?)?\s*$/;
const ENDPOINT = /^\S+\.(\d+|\*)$/;

interface Section {
  proto: Proto | null; // null: SCTP, no records
  family: Family | null;
  owners: boolean;
}

interface Read {
  record: SocketRecord;
  key: string;
}

function readRow(tokens: string[], section: Section): Read | string {
  const [localText = "", second = ""] = tokens;
  const proto = section.proto ?? "tcp";
  const stateAt = proto === "tcp" ? tokens.findLastIndex((t) => t in SOLARIS_TCP_STATES) : tokens.findIndex((t, i) => i > 0 && SOLARIS_UDP_STATES.has(t));
  if (stateAt < 1) return proto === "tcp" ? "no TCP state word" : "no UDP state (Idle, Unbound, Connected)";
  const remoteText = proto === "tcp" || ENDPOINT.test(second) ? second : null;
  const local = splitDotted(localText);
  const remote = remoteText === null ? null : splitDotted(remoteText);
  if (!local || !ENDPOINT.test(localText) || (remoteText !== null && !remote)) return "expected Local Address and Remote Address as addr.port";
  const family: Family = section.family ?? (localText.includes(":") || remoteText?.includes(":") ? "ipv6" : "ipv4");
  const ends = readEndpoints(local, remote, family);
  if (typeof ends === "string") return ends;
  const record = endpointRecord(proto, family, ends);
  let ownerEnd = stateAt;
  if (proto === "tcp") {
    const counters = tokens.slice(stateAt - 4, stateAt);
    if (stateAt < 6 || !counters.every((t) => /^\d+$/.test(t))) return "expected Swind Send-Q Rwind Recv-Q before the state";
    record.sendQ = Number(counters[1]);
    record.recvQ = Number(counters[3]);
    record.state = SOLARIS_TCP_STATES[tokens[stateAt] as string] ?? null;
    ownerEnd = stateAt - 4;
  }
  if (section.owners) {
    // User Pid Command: the command may be cut or hold spaces; the pid is the number after the user.
    const owner = tokens.slice(remoteText === null ? 1 : 2, ownerEnd);
    const pid = owner[1];
    if (pid !== undefined && /^\d+$/.test(pid)) {
      record.user = owner[0] ?? null;
      record.pid = Number(pid) > 0 ? Number(pid) : null;
      record.process = owner.slice(2).join(" ") || null;
    }
  }
  const counters = proto === "tcp" ? tokens.slice(stateAt - 4, stateAt + 1).join(" ") : tokens[stateAt];
  return { record, key: `${proto}|${family}|${localText}|${remoteText ?? ""}|${counters}` };
}

export function parseSolarisNetstat(text: string, options: { source?: string } = {}): ParseResult {
  const source = options.source ?? "netstat";
  const out: ParseResult = { records: [], problems: [] };
  // Rows before any heading (a grep of the output) are read by their shape.
  let section: Section = { proto: null, family: null, owners: false };
  let inSockets = true;
  let lastKey = "";
  for (const [n, line] of numberedLines(text)) {
    const trimmed = line.trim();
    if (trimmed === "" || /^-+(\s+-+)*$/.test(trimmed)) continue;
    const heading = HEADING.exec(trimmed);
    if (heading) {
      const proto = heading[1] === "SCTP" ? null : (heading[1]!.toLowerCase() as Proto);
      section = { proto, family: heading[2] ? (heading[2] === "4" ? "ipv4" : "ipv6") : null, owners: false };
      inSockets = proto !== null;
      lastKey = "";
      continue;
    }
    if (/^Active\s/i.test(trimmed)) {
      inSockets = false; // "Active UNIX domain sockets"
      continue;
    }
    if (!inSockets) continue;
    if (/^Local Address\s+Remote Address\b/.test(trimmed)) {
      section = { ...section, owners: /\bPid\b/.test(trimmed) };
      continue;
    }
    const tokens = trimmed.split(/\s+/);
    if (!ENDPOINT.test(tokens[0] as string)) {
      // Prompts and notes are skipped; a line carrying endpoints is a row gone wrong.
      if (/\S\.(\d+|\*)\s+\S+\.(\d+|\*)(\s|$)/.test(trimmed)) out.problems.push(problem(source, n, line, "not a netstat socket row"));
      continue;
    }
    // Outside a heading, four counters before the state make a TCP row.
    const rowSection: Section = section.proto ? section : { ...section, proto: /\s\d+\s+\d+\s+\d+\s+\d+\s+[A-Z_12]+(\s+\S+)?$/.test(trimmed) ? "tcp" : "udp" };
    const read = readRow(tokens, rowSection);
    if (typeof read === "string") {
      out.problems.push(problem(source, n, line, read));
      continue;
    }
    if (section.owners && read.key === lastKey) continue; // the same socket, another holder (-u)
    lastKey = read.key;
    keepChecked(read.record, out, { source, line: n, text: line });
  }
  return out;
}
