import type { Family, ParseResult, Problem, Proto, SocketRecord, Timer } from "../../model/socket.js";
import { canonicalState } from "../../model/state.js";
import { cutNotice, type CutRow } from "../truncated.js";
import { endpointRecord, familyOf, markTruncated, numberedLines, problem, readEndpoints, splitColon } from "../text-endpoint.js";
import { keepChecked } from "../../lib/record-guard.js";
import type { ServiceTable } from "../../lib/services.js";

/**
 * Linux net-tools `netstat -tuanp` (also -l, -o, -e):
 *
 *   Proto Recv-Q Send-Q Local Address    Foreign Address  State   PID/Program name     Timer
 *   tcp        0      0 0.0.0.0:22       0.0.0.0:*        LISTEN  600/sshd: /usr/sbin  off (0.00/0/0)
 *   udp        0      0 0.0.0.0:68       0.0.0.0:*                535/dhclient
 *   -> tcp ipv4 0.0.0.0:22 LISTEN pid 600 "sshd: /usr/sbin";  udp ipv4 0.0.0.0:68 pid 535
 *
 * UDP rows leave State blank (or say ESTABLISHED when connected). The program name is cut to
 * fit and may contain spaces; `-` means the owner is hidden from an unprivileged user.
 * `-e` adds User and Inode before PID/Program; `-o` adds a Timer like `keepalive (7032.81/0/0)`
 * (seconds left / retransmits / keepalive probes), netstat.c's tcp_do_one.
 *
 * BusyBox netstat and net-tools on RHEL/CentOS 6 print IPv6 sockets under a plain `tcp`
 * (`tcp 0 0 :::80 :::* LISTEN`): the family comes from the addresses as much as from the Proto word.
 * Without -n, ports are service names (`*:ssh`, `localhost:ipp`, looked up) and addresses host
 * names (kept in localHost/remoteHost). netstat keeps `addr:port` to 23 characters (22 without the colon) by
 * shortening the address (netstat.c: `local_addr[22 - strlen(buffer)] = '\0'`). An address that is
 * plainly cut (`::ffff:192.168.0.`) is marked in `truncated`; then an IPv6 text of exactly 23
 * characters in the same capture may have lost its end too (`::ffff:192.168.1.1` from `.10`) and is
 * marked as well, unless some row is wider (netstat -W, which cuts nothing). A 23-character text in
 * a capture with no plain cut is taken as printed: it fits exactly as often as it was cut.
 */

export interface LinuxNetstatOptions {
  source?: string;
  services?: ServiceTable;
}

/** The width net-tools cuts `addr:port` to (netstat.c, tcp_do_one and udp_do_one). */
const CUT_WIDTH = 23;

const PROTO = /^(tcp|udp)(6)?$/;
const OTHER = /^(raw|raw6|udpl|udpl6|unix|sctp|mptcp)$/;
const TIMER = /\s+(off|on|keepalive|timewait|probe|unkn-\d+)\s+\((\d+(?:\.\d+)?)\/(\d+)\/(\d+)\)\s*$/;
const TIMER_KINDS: Readonly<Record<string, Timer["kind"]>> = { on: "retransmit", keepalive: "keepalive", timewait: "timewait", probe: "probe" };

export function parseLinuxNetstat(text: string, options: LinuxNetstatOptions = {}): ParseResult & { notices: string[] } {
  const source = options.source ?? "netstat";
  const records: SocketRecord[] = [];
  const problems: Problem[] = [];
  let extended = false; // -e: User and Inode columns
  let section = true;
  let wide = false; // some endpoint longer than netstat cuts to: -W, nothing is cut
  let shapeCut = false; // some address plainly cut (`::ffff:192.168.0.`): this capture's columns did cut
  const atWidth: Array<{ r: SocketRecord; local: boolean; remote: boolean }> = [];
  const cuts: CutRow[] = [];
  for (const [n, line] of numberedLines(text)) {
    const trimmed = line.trim();
    if (trimmed === "") continue;
    if (/^Active Internet/.test(trimmed)) {
      section = true;
      continue;
    }
    if (/^Active (UNIX|Bluetooth|X\.25|IPX|AX\.25|NET\/ROM)/.test(trimmed)) {
      section = false;
      continue;
    }
    if (!section) continue;
    if (/^Proto\s+Recv-Q/.test(trimmed)) {
      extended = /\bUser\s+Inode\b/.test(trimmed);
      continue;
    }
    // The unprivileged preamble: "(Not all processes could be identified, ...)"
    if (/^\(?(Not all processes|will not be shown|Only processes owned)/.test(trimmed) || /you would have to be root/.test(trimmed)) continue;

    let rest = trimmed;
    let timer: Timer | null = null;
    const t = TIMER.exec(rest);
    if (t) {
      rest = rest.slice(0, t.index);
      const kind = TIMER_KINDS[t[1] as string];
      if (kind) timer = { kind, expiresInMs: Math.round(Number(t[2]) * 1000), retransmits: Number(kind === "keepalive" || kind === "probe" ? t[4] : t[3]) };
    }
    const tokens = rest.split(/\s+/);
    const protoWord = tokens[0] as string;
    if (OTHER.test(protoWord)) continue; // raw, unix: not TCP/UDP sockets
    const [, rq, sq, localText, remoteText] = tokens;
    const local = localText ? splitColon(localText) : null;
    const remote = remoteText ? splitColon(remoteText) : null;
    if (!PROTO.test(protoWord) || !/^\d+$/.test(rq ?? "") || !/^\d+$/.test(sq ?? "") || !local || !remote) {
      problems.push(problem(source, n, line, "expected Proto Recv-Q Send-Q Local Foreign"));
      continue;
    }
    const proto = protoWord.slice(0, 3) as Proto;
    const family: Family =
      protoWord.endsWith("6") || familyOf(local.host) === "ipv6" || (familyOf(local.host) === undefined && familyOf(remote.host) === "ipv6") ? "ipv6" : "ipv4";
    const ends = readEndpoints(local, remote, family, { proto, services: options.services });
    if (typeof ends === "string") {
      problems.push(problem(source, n, line, ends));
      continue;
    }
    let after = tokens.slice(5);
    const state = after[0] === undefined ? undefined : canonicalState(after[0]);
    // netstat prints UNKNOWN for a state it cannot name: a state column, read as no state.
    const hasState = state !== undefined || after[0] === "UNKNOWN";
    if (proto === "tcp" && !hasState) {
      problems.push(problem(source, n, line, `unknown TCP state '${after[0] ?? ""}'`));
      continue;
    }
    if (hasState) after.shift();
    const r = endpointRecord(proto, family, ends);
    r.state = proto === "tcp" ? (state ?? null) : null;
    r.recvQ = Number(rq);
    r.sendQ = Number(sq);
    r.timer = timer;
    if (extended && after.length >= 2) {
      const [userText, inodeText] = after;
      after = after.slice(2);
      if (/^\d+$/.test(userText as string)) r.uid = r.state === "TIME_WAIT" ? null : Number(userText);
      else r.user = userText as string;
      if (/^\d+$/.test(inodeText as string)) r.inode = Number(inodeText) || null;
    }
    const owner = after.join(" ");
    const slash = owner.indexOf("/");
    if (slash > 0 && /^\d+$/.test(owner.slice(0, slash))) {
      r.pid = Number(owner.slice(0, slash)) || null;
      r.process = owner.slice(slash + 1).trim() || null;
    }
    if (!keepChecked(r, { records, problems }, { source, line: n, text: line })) continue;
    if (localText!.length > CUT_WIDTH || remoteText!.length > CUT_WIDTH) wide = true;
    const lc = family === "ipv6" && localText!.length === CUT_WIDTH && r.localHost === undefined;
    const rc = family === "ipv6" && remoteText!.length === CUT_WIDTH && r.remoteHost === undefined && r.remoteAddress !== null;
    if (r.truncated) shapeCut = true;
    if (lc || rc) atWidth.push({ r, local: lc, remote: rc });
    if (lc || rc || r.truncated) cuts.push({ line: n, record: r });
  }
  if (!wide && shapeCut)
    for (const { r, local, remote } of atWidth) {
      if (local) markTruncated(r, "localAddress");
      if (remote) markTruncated(r, "remoteAddress");
    }
  return { records, problems, notices: cutNotice(source, cuts.filter((c) => c.record.truncated)) };
}
