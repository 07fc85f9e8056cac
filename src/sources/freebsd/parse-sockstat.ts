import type { Family, ParseResult, Problem, Proto, SocketRecord } from "../../model/socket.js";
import { canonicalState } from "../../model/state.js";
import { endpointRecord, numberedLines, problem, readEndpoints, splitColon } from "../text-endpoint.js";
import { keepChecked } from "../../lib/record-guard.js";

/**
 * FreeBSD `sockstat -46` (optionally -s for a state column, -l/-c):
 *
 *   USER     COMMAND    PID   FD PROTO  LOCAL ADDRESS         FOREIGN ADDRESS      [PATH STATE] [CONN STATE]
 *   unbound  unbound    9639  4  tcp4   10.0.0.10:53          *:*
 *   -> tcp ipv4 10.0.0.10:53, no peer, pid 9639 "unbound" (no state printed: null)
 *
 * Sockets no process holds show `?` in USER, COMMAND, PID and FD. IPv6 endpoints are printed
 * as `[::1]:25` (FreeBSD 13+) or `::1:25` (older): the port follows the last colon either way.
 * A TCP state is known only when -s adds its column (LISTEN, ESTABLISHED, ... from tcp_fsm.h).
 */

export interface SockstatOptions {
  source?: string;
}

const PROTO = /^(tcp|udp)(4|6|46)$/;
const KIND = /^(tcp|udp|sctp|udplite|stream|dgram|seqpac|div|raw|icmp)\d*$/;

export function parseSockstat(text: string, options: SockstatOptions = {}): ParseResult {
  const source = options.source ?? "sockstat";
  const records: SocketRecord[] = [];
  const problems: Problem[] = [];
  for (const [n, line] of numberedLines(text)) {
    if (line.trim() === "" || /^USER\s+COMMAND\s+PID/.test(line)) continue;
    const tokens = line.trim().split(/\s+/);
    // COMMAND may contain spaces: PROTO is the first protocol word after USER COMMAND PID FD.
    const p = tokens.findIndex((t, i) => i >= 4 && KIND.test(t));
    const protoWord = tokens[p];
    if (protoWord !== undefined && !PROTO.test(protoWord)) continue; // UNIX, SCTP, divert: not TCP/UDP sockets
    if (p < 0 || protoWord === undefined || tokens.length < p + 3) {
      problems.push(problem(source, n, line, "expected USER COMMAND PID FD PROTO LOCAL FOREIGN"));
      continue;
    }
    const [pidText, , , localText, remoteText, ...rest] = tokens.slice(p - 2);
    const user = tokens[0] as string;
    const command = tokens.slice(1, p - 2).join(" ");
    const proto = protoWord.slice(0, 3) as Proto;
    const family: Family = protoWord.endsWith("4") ? "ipv4" : "ipv6";
    const local = localText ? splitColon(localText) : null;
    const remote = remoteText ? splitColon(remoteText) : null;
    if (!local || !remote) {
      problems.push(problem(source, n, line, "unreadable address"));
      continue;
    }
    const ends = readEndpoints(local, remote, family);
    if (typeof ends === "string") {
      problems.push(problem(source, n, line, ends));
      continue;
    }
    const r = endpointRecord(proto, family, ends);
    // -s: the last column is the connection state (PATH STATE is for SCTP and stays "??").
    const stateWord = rest.length > 0 ? rest[rest.length - 1] : undefined;
    if (proto === "tcp" && stateWord !== undefined) r.state = canonicalState(stateWord) ?? null;
    r.pid = pidText !== undefined && /^\d+$/.test(pidText) ? Number(pidText) || null : null;
    r.process = command === "" || command === "?" ? null : command;
    r.user = user === "?" ? null : user;
    keepChecked(r, { records, problems }, { source, line: n, text: line });
  }
  return { records, problems };
}
