import type { ServiceTable } from "../../lib/services.js";
import type { Family, ParseResult, Problem, Proto, SocketRecord, Timer } from "../../model/socket.js";
import { canonicalState, type TcpState } from "../../model/state.js";
import { cutNotice, type CutRow } from "../truncated.js";
import { endpointRecord, familyOf, numberedLines, problem, readEndpoints, splitColon } from "../text-endpoint.js";
import { keepChecked } from "../../lib/record-guard.js";
import { setOwners } from "../../lib/owners.js";
import { readSsUsers } from "./parse-ss-users.js";

/**
 * iproute2 `ss -tuanp` (also -l, -e, -o, -i, -m, -M, -H):
 *
 *   Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process
 *   tcp   LISTEN 0      511          0.0.0.0:80        0.0.0.0:*    users:(("nginx",pid=12537,fd=6),("nginx",pid=12532,fd=6)) ino:35524
 *   -> tcp ipv4 0.0.0.0:80 LISTEN pid 12532 "nginx" inode 35524, owners 12532 and 12537 (src/lib/owners.ts picks the one shown)
 *
 * The layouts, each read row by row (a header, when there is one, only confirms it):
 * - Netid or not: with one protocol selected (`ss -tln`) there is no Netid column: UNCONN then means UDP.
 * - State or not: a single-state filter (`ss -o state established`) drops the State column; the
 *   state is then the filter's when the pasted command line names it, else unknown (null, said in a notice).
 * - `ss -H` and grep'ed output: no header at all.
 * - Addresses: iproute2 3.x (CentOS 7) printed the IPv4 wildcard as `*` and IPv6 unbracketed
 *   (`*:80`, `:::80`, `*:*` as an IPv4 peer); newer ss prints `0.0.0.0:80`, `[::]:80`, and `*` only for a
 *   dual-stack IPv6 socket (ss.c inet_addr_print). Which one a capture is comes from its own rows.
 * - `-o` (timer:), `-e` (uid: ino: sk:), `-p` (users:) follow the row; `-i`, `-m` (and some -e
 *   fields) go on indented lines under it: read, and what the record has a field for is kept.
 * ss names states as in its sstate_name[] (ESTAB, SYN-SENT, UNCONN for a closed TCP socket, ...);
 * `%lo` after an IPv4 address is the interface the socket is bound to, not part of the address.
 */

export interface SsOptions {
  source?: string;
  services?: ServiceTable;
  /** Command lines pasted with the capture (`ss -o state established`): the state of a State-less layout. */
  commands?: readonly string[];
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

/** The state a single-state filter names (`ss -t state established`, `ss state time-wait`), if any. */
export function stateFilterOf(commands: readonly string[] = []): TcpState | undefined {
  // The last ss command pasted that filters on one state (an earlier prompt may hold another command).
  let found: TcpState | undefined;
  for (const c of commands) {
    if (!/(^|[\s/])ss\s/.test(c)) continue;
    const words = [...c.matchAll(/\b(?:state|exclude)\s+(\S+)/g)];
    if (words.length === 1 && /^state/.test(words[0]![0])) found = canonicalState((words[0]![1] as string).replace(/^listening$/, "listen")) ?? found;
  }
  return found;
}

/** Whether the capture's rows are iproute2 3.x's (`*` for 0.0.0.0, IPv6 unbracketed), from its own text. */
function oldAddresses(text: string): boolean {
  if (/\[[0-9A-Fa-f:.%\w]*\]:/.test(text) || /\s0\.0\.0\.0(?:%\S+)?:/.test(text)) return false;
  return /\s(?:::|[0-9A-Fa-f]{1,4}:[0-9A-Fa-f:]*:)[0-9A-Fa-f.:]*(?:%\S+)?:(?:\d+|\*|[a-z][\w-]*)\s/.test(text) || /\s\d{1,3}(?:\.\d{1,3}){3}(?:%\S+)?:\S+\s+\*:\*/.test(text);
}

const STATE_WORD = /^(ESTAB|LISTEN|UNCONN|SYN-SENT|SYN-RECV|FIN-WAIT-1|FIN-WAIT-2|TIME-WAIT|CLOSE-WAIT|LAST-ACK|CLOSING|CLOSED|UNKNOWN)$/;
const NUMBER = /^\d+$/;

/** A `-o`/`-e` field set on the record from the text after the endpoints, or from an indented line under the row. */
function readTail(r: SocketRecord, tail: string): void {
  const uid = /(?:^|\s)uid:(\d+)/.exec(tail);
  if (uid && r.uid === null) r.uid = Number(uid[1]);
  const ino = /(?:^|\s)ino:(\d+)/.exec(tail);
  if (ino && r.inode === null) r.inode = Number(ino[1]) || null;
  const t = TIMER.exec(tail);
  const kind = t ? TIMER_KINDS[t[1] as string] : undefined;
  const expires = t ? readDuration(t[2] as string) : undefined;
  if (t && kind && expires !== undefined && r.timer === null) r.timer = { kind, expiresInMs: expires, retransmits: Number(t[3]) };
}

export function parseSs(text: string, options: SsOptions = {}): ParseResult & { notices: string[] } {
  const source = options.source ?? "ss";
  const records: SocketRecord[] = [];
  const problems: Problem[] = [];
  const old = oldAddresses(text);
  const filterState = stateFilterOf(options.commands);
  let stateless = 0;
  let last: SocketRecord | undefined;
  const cuts: CutRow[] = [];
  const lines = [...numberedLines(text)];
  for (let i = 0; i < lines.length; i++) {
    const [n] = lines[i]!;
    let line = lines[i]![1];
    // A process name with a newline: the row goes on on the next line(s) (parse-ss-users.ts).
    for (let k = 0; k < 15 && i + 1 < lines.length && readSsUsers(line) === "incomplete"; k++) line += `\n${lines[++i]![1]}`;
    if (line.trim() === "") continue;
    // -i/-m/-e detail lines belong to the socket above: fields the record holds are kept.
    if (/^\s/.test(line)) {
      if (last) readTail(last, line);
      continue;
    }
    if (/^(Netid\s+)?(State\s+)?Recv-Q\s+Send-Q/.test(line)) continue;
    last = undefined;
    const tokens = line.trim().split(/\s+/);
    const netid = PROTOS.has(tokens[0] as string) || OTHER.test(tokens[0] as string) ? (tokens[0] as string) : undefined;
    if (netid !== undefined && OTHER.test(netid)) continue; // not TCP/UDP sockets
    let at = netid === undefined ? 0 : 1;
    const stateWord = STATE_WORD.test(tokens[at] ?? "") ? (tokens[at++] as string) : undefined;
    const [rq, sq, localText, remoteText] = tokens.slice(at, at + 4);
    const local = localText ? splitColon(localText) : null;
    const remote = remoteText ? splitColon(remoteText) : null;
    if (!NUMBER.test(rq ?? "") || !NUMBER.test(sq ?? "") || !local || !remote) {
      problems.push(problem(source, n, line, "expected Netid State Recv-Q Send-Q Local:Port Peer:Port"));
      continue;
    }
    const proto: Proto = (netid as Proto | undefined) ?? (stateWord === "UNCONN" ? "udp" : "tcp");
    // `*` alone: the IPv4 wildcard in iproute2 3.x, a dual-stack IPv6 socket (no v6only) since.
    const star: Family = old ? "ipv4" : "ipv6";
    const family: Family = familyOf(local.host) ?? (/^\*(%|$)/.test(local.host) ? star : (familyOf(remote.host) ?? "ipv4"));
    const ends = readEndpoints(local, remote, family, { proto, services: options.services });
    if (typeof ends === "string") {
      problems.push(problem(source, n, line, ends));
      continue;
    }
    // Without a State column the row is ss's only if what follows the addresses is no state word
    // and no PID/Program: `tcp 0 0 0.0.0.0:22 0.0.0.0:* LISTEN`, `udp ... 0.0.0.0:* 535/dhclient` are net-tools netstat.
    const after = tokens[at + 4];
    if (stateWord === undefined && after !== undefined && (canonicalState(after) !== undefined || /^[A-Z][A-Z_0-9-]+$/.test(after) || /^(\d+\/.*|-)$/.test(after))) {
      problems.push(problem(source, n, line, `'${after}' after the addresses: netstat's layout, not ss's`));
      continue;
    }
    let state: TcpState | null | undefined = null;
    if (proto === "tcp") {
      if (stateWord === undefined) {
        state = filterState ?? null;
        if (!filterState) stateless++;
      } else state = stateWord === "UNCONN" ? "CLOSE" : canonicalState(stateWord);
    }
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
    let tail = tokens.slice(at + 4).join(" ");
    if (users !== null && users !== "incomplete") {
      tail = `${line.slice(0, users.start)} ${line.slice(users.end)}`.trim().split(/\s+/).slice(at + 4).join(" ");
      const owners = users.users.filter((u) => u.pid > 0).map((u) => ({ pid: u.pid, process: u.name, user: null, fd: u.fd }));
      setOwners(r, owners);
    }
    readTail(r, tail);
    if (keepChecked(r, { records, problems }, { source, line: n, text: line })) {
      last = r;
      if (r.truncated) cuts.push({ line: n, record: r });
    }
  }
  const notices = cutNotice(source, cuts);
  if (stateless > 0)
    notices.push(`${stateless} TCP row(s) have no State column (ss with a state filter), so their state is unknown; paste the ss command line with the output, or capture without the filter`);
  return { records, problems, notices };
}
