import type { Family, ParseResult, Problem, Proto, SocketRecord, Timer } from "../../model/socket.js";
import { canonicalState } from "../../model/state.js";
import { endpointRecord, familyOf, numberedLines, problem, readEndpoints, splitColon } from "../text-endpoint.js";
import { keepChecked } from "../../lib/record-guard.js";
import { setOwners } from "../../lib/owners.js";
import { readSsUsers } from "./parse-ss-users.js";

/**
 * iproute2 `ss -tuanp` (also -l, -e, -o, -i, -M, -H):
 *
 *   Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process
 *   tcp   LISTEN 0      511          0.0.0.0:80        0.0.0.0:*    users:(("nginx",pid=12537,fd=6),("nginx",pid=12532,fd=6)) ino:35524
 *   -> tcp ipv4 0.0.0.0:80 LISTEN pid 12532 "nginx" inode 35524, owners 12532 and 12537 (src/lib/owners.ts picks the one shown)
 *
 * With one protocol selected (`ss -tln`) there is no Netid column: UNCONN then means UDP.
 * Lines starting with white space are `-i`/`-m` details of the socket above, not sockets.
 * ss names states as in its sstate_name[] (ESTAB, SYN-SENT, UNCONN for a closed TCP socket, ...);
 * `%lo` after an IPv4 address is the interface the socket is bound to, not part of the address.
 */

export interface SsOptions {
  source?: string;
}

const PROTOS = new Set(["tcp", "udp"]);
const OTHER = /^(mptcp|u_str|u_dgr|u_seq|nl|p_raw|p_dgr|raw|icmp6?|sctp|v_str|v_dgr|xdp|tipc|dccp|unknown|\?\?\?)$/;
const TIMER = /timer:\((on|keepalive|timewait|persist|unknown),([^,]+),(\d+)\)/;
const TIMER_KINDS: Readonly<Record<string, Timer["kind"]>> = { on: "retransmit", keepalive: "keepalive", timewait: "timewait", persist: "probe" };

/** "1min2sec", "344ms", "59sec", "1.5sec" -> milliseconds. */
function readDuration(text: string): number | undefined {
  let ms = 0;
  let matched = "";
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(min|sec|ms)/g)) {
    matched += m[0];
    ms += Number(m[1]) * (m[2] === "min" ? 60_000 : m[2] === "sec" ? 1000 : 1);
  }
  return matched === text ? Math.round(ms) : undefined;
}

export function parseSs(text: string, options: SsOptions = {}): ParseResult {
  const source = options.source ?? "ss";
  const records: SocketRecord[] = [];
  const problems: Problem[] = [];
  let hasNetid: boolean | undefined;
  const lines = [...numberedLines(text)];
  for (let i = 0; i < lines.length; i++) {
    const [n] = lines[i]!;
    let line = lines[i]![1];
    // A process name with a newline: the row goes on on the next line(s) (parse-ss-users.ts).
    for (let k = 0; k < 15 && i + 1 < lines.length && readSsUsers(line) === "incomplete"; k++) line += `\n${lines[++i]![1]}`;
    if (line.trim() === "") continue;
    if (/^\s/.test(line)) continue; // -i/-m/-e detail lines belong to the socket above
    if (/^(Netid\s+)?State\s+Recv-Q/.test(line)) {
      hasNetid = line.startsWith("Netid");
      continue;
    }
    const tokens = line.trim().split(/\s+/);
    const withNetid = hasNetid ?? !/^\d+$/.test(tokens[1] ?? "");
    const netid = withNetid ? (tokens[0] as string) : undefined;
    if (netid !== undefined && OTHER.test(netid)) continue; // not TCP/UDP sockets
    const at = withNetid ? 1 : 0;
    const [stateWord = "", rq, sq, localText, remoteText] = tokens.slice(at, at + 5);
    const local = localText ? splitColon(localText) : null;
    const remote = remoteText ? splitColon(remoteText) : null;
    if ((netid !== undefined && !PROTOS.has(netid)) || !/^\d+$/.test(rq ?? "") || !/^\d+$/.test(sq ?? "") || !local || !remote) {
      problems.push(problem(source, n, line, "expected Netid State Recv-Q Send-Q Local:Port Peer:Port"));
      continue;
    }
    const proto: Proto = (netid as Proto | undefined) ?? (stateWord === "UNCONN" ? "udp" : "tcp");
    // `*` alone is a dual-stack wildcard (an IPv6 socket without v6only).
    const family: Family = familyOf(local.host) ?? (local.host === "*" ? "ipv6" : (familyOf(remote.host) ?? "ipv4"));
    const ends = readEndpoints(local, remote, family);
    if (typeof ends === "string") {
      problems.push(problem(source, n, line, ends));
      continue;
    }
    const state = proto === "udp" ? null : stateWord === "UNCONN" ? "CLOSE" : canonicalState(stateWord);
    if (state === undefined) {
      problems.push(problem(source, n, line, `unknown TCP state '${stateWord}'`));
      continue;
    }
    const r = endpointRecord(proto, family, ends);
    r.state = state;
    r.recvQ = Number(rq);
    r.sendQ = Number(sq);
    // The holders first, by their quoting: nothing inside a name is read as a field.
    const users = readSsUsers(line);
    let tail = tokens.slice(at + 5).join(" ");
    if (users !== null && users !== "incomplete") {
      tail = `${line.slice(0, users.start)} ${line.slice(users.end)}`.trim().split(/\s+/).slice(at + 5).join(" ");
      const owners = users.users.filter((u) => u.pid > 0).map((u) => ({ pid: u.pid, process: u.name, user: null, fd: u.fd }));
      setOwners(r, owners);
    }
    const uid = /(?:^|\s)uid:(\d+)/.exec(tail);
    if (uid) r.uid = Number(uid[1]);
    const ino = /(?:^|\s)ino:(\d+)/.exec(tail);
    if (ino) r.inode = Number(ino[1]) || null;
    const t = TIMER.exec(tail);
    const kind = t ? TIMER_KINDS[t[1] as string] : undefined;
    const expires = t ? readDuration(t[2] as string) : undefined;
    if (t && kind && expires !== undefined) r.timer = { kind, expiresInMs: expires, retransmits: Number(t[3]) };
    keepChecked(r, { records, problems }, { source, line: n, text: line });
  }
  return { records, problems };
}
