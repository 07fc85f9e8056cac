import { formatEndpoint } from "../lib/endpoint.js";
import type { KernelCounters, NetSysctls } from "../model/counters.js";
import type { Finding } from "../model/report.js";
import { exposedServices } from "./exposed-services.js";
import type { SocketRecord } from "../model/socket.js";
import type { TcpState } from "../model/state.js";
import { ephemeralUse, rangeSize } from "./ephemeral.js";
import { FIXES } from "./fixes.js";
import type { Thresholds } from "./thresholds.js";

/**
 * Doctor's rules: pure functions from what was read (sockets, two counter readings,
 * a few sysctls) to findings, each with evidence, a likely cause and a fix.
 */

export interface DiagnoseInput {
  records: readonly SocketRecord[];
  /** Counters before and after the interval; null when they could not be read. */
  before: KernelCounters | null;
  after: KernelCounters | null;
  intervalSeconds: number;
  sysctls: NetSysctls;
  thresholds: Thresholds;
  /**
   * Listen backlogs by "address|port" when the socket source does not carry them:
   * /proc/net/tcp prints 0 as a listener's Send-Q, only ss (netlink) reports the backlog.
   */
  backlogs?: ReadonlyMap<string, number>;
  /** Why the backlogs could not be read (ss missing or refused), said where a backlog is unknown. */
  backlogUnknown?: string;
}

export const backlogKey = (address: string, port: number) => `${address}|${port}`;

/** A listener's backlog from its record, else from `backlogs`; null when unknown. */
const backlogOf = (input: DiagnoseInput, l: SocketRecord): number | null =>
  (l.sendQ ?? 0) > 0 ? l.sendQ : (input.backlogs?.get(backlogKey(l.localAddress, l.localPort)) ?? null);

const owner = (pid: number | null, process: string | null) => (pid === null ? "no process (orphaned or kernel-held)" : `${process ?? "?"} (pid ${pid})`);
const endpoint = (r: SocketRecord, side: "local" | "remote") =>
  side === "local" ? formatEndpoint(r.localAddress, r.localPort, r.family) : formatEndpoint(r.remoteAddress, r.remotePort, r.family);
const peerOf = (r: SocketRecord) => endpoint(r, "remote");

function groupBy<K>(records: readonly SocketRecord[], key: (r: SocketRecord) => K): Map<K, SocketRecord[]> {
  const m = new Map<K, SocketRecord[]>();
  for (const r of records) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

/** "1 socket", "3 sockets". */
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The most frequent values, as "a (12), b (3)", at most `n` of them. */
function top(values: Iterable<string>, n = 3): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, n).map(([v, c]) => `${v} (${c})`);
  if (sorted.length > n) shown.push(`${sorted.length - n} more`);
  return shown.join(", ");
}

/** The most frequent value (the first seen of those tied), or null for none. */
function commonest<T>(values: readonly T[]): T | null {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | null = null;
  let n = 0;
  for (const [v, c] of counts) if (c > n) [best, n] = [v, c];
  return best;
}

/** The commonest owner among sockets: [pid, process] or nulls. */
function mainOwner(records: readonly SocketRecord[]): { pid: number | null; process: string | null } {
  const pid = commonest(records.flatMap((r) => (r.pid === null ? [] : [r.pid])));
  const first = pid === null ? undefined : records.find((r) => r.pid === pid);
  return first ? { pid: first.pid, process: first.process } : { pid: null, process: null };
}

function timerFacts(records: readonly SocketRecord[]): { longestMs: number | null; line: string | null } {
  const timed = records.filter((r) => r.timer);
  if (timed.length === 0) return { longestMs: null, line: null };
  // One pass rather than Math.max(...list): spreading >~150k arguments overflows the stack.
  let longest = -Infinity;
  let retries = -Infinity;
  for (const r of timed) {
    if (r.timer!.expiresInMs > longest) longest = r.timer!.expiresInMs;
    if (r.timer!.retransmits > retries) retries = r.timer!.retransmits;
  }
  const kinds = top(timed.map((r) => r.timer!.kind));
  return {
    longestMs: longest,
    line: `timers: ${kinds}; longest ${(longest / 1000).toFixed(1)} s left; most retransmissions/probes ${retries}`,
  };
}

const severity = (count: number, threshold: number): Finding["severity"] => (count >= threshold * 5 ? "critical" : "warning");

const delta = (input: DiagnoseInput, name: string): number | null => {
  const a = input.before?.[name];
  const b = input.after?.[name];
  return a === undefined || b === undefined ? null : b - a;
};

/** Listening sockets by port (read once for every rule), to name the server behind a port. */
type Listeners = ReadonlyMap<number, SocketRecord>;

/** The listener on each port, one with an owner preferred. */
function listenersByPort(records: readonly SocketRecord[]): Map<number, SocketRecord> {
  const m = new Map<number, SocketRecord>();
  for (const r of records) if (r.state === "LISTEN" && (!m.has(r.localPort) || (m.get(r.localPort)!.pid === null && r.pid !== null))) m.set(r.localPort, r);
  return m;
}

const inState = (records: readonly SocketRecord[], state: TcpState) => records.filter((r) => r.proto === "tcp" && r.state === state);

function closeWait(input: DiagnoseInput): Finding[] {
  const limit = input.thresholds["close-wait"];
  const out: Finding[] = [];
  for (const [pid, list] of groupBy(inState(input.records, "CLOSE_WAIT"), (r) => r.pid)) {
    if (list.length < limit) continue;
    const first = list[0]!;
    // A CLOSE_WAIT socket is always held by a program; no pid means it could not be identified.
    const holder = pid === null ? "a process tcpstat could not identify (its /proc/PID/fd could not be read)" : owner(pid, first.process);
    const timers = timerFacts(list);
    const ports = [...new Set(list.map((r) => r.localPort))];
    out.push({
      rule: "close-wait",
      severity: severity(list.length, limit),
      title: `${list.length} CLOSE_WAIT sockets piling up in ${holder}${ports.length === 1 ? ` on port ${ports[0]}` : ""}`,
      state: "CLOSE_WAIT",
      count: list.length,
      threshold: limit,
      pid,
      process: first.process,
      port: ports.length === 1 ? ports[0]! : mostCommonPort(list),
      peer: commonest(list.map((r) => r.remoteAddress ?? "-")),
      oldestTimerMs: timers.longestMs,
      evidence: [
        `${list.length} sockets in CLOSE_WAIT owned by ${holder} (threshold close-wait=${limit})`,
        `local ports: ${top(list.map((r) => String(r.localPort)))}`,
        `peers: ${top(list.map((r) => r.remoteAddress ?? "-"))}`,
        ...(timers.line ? [timers.line] : ["no timers running: the kernel will never close them by itself"]),
      ],
      cause: "The peers closed these connections, but the program never called close() on its side: a leak, usually on an error or timeout path, or threads stuck before they read the end of the stream.",
      fix: FIXES["close-wait"](first.process ?? "the program"),
    });
  }
  return out;
}

/** The commonest local port of a non-empty list of sockets. */
const mostCommonPort = (list: readonly SocketRecord[]): number => commonest(list.map((r) => r.localPort))!;

function timeWait(input: DiagnoseInput, listeners: Listeners): Finding[] {
  const limit = input.thresholds["time-wait"];
  const all = inState(input.records, "TIME_WAIT");
  const out: Finding[] = [];
  const overflow = delta(input, "TcpExtTCPTimeWaitOverflow");
  const overflowLine =
    overflow !== null && overflow > 0
      ? [`TcpExtTCPTimeWaitOverflow rose by ${overflow} in ${input.intervalSeconds} s: tcp_max_tw_buckets (${input.sysctls.maxTwBuckets ?? "?"}) is reached and new TIME_WAIT sockets are dropped`]
      : [];
  const ports = groupBy(
    all.filter((r) => listeners.has(r.localPort)),
    (r) => r.localPort,
  );
  const peers = groupBy(
    all.filter((r) => !listeners.has(r.localPort)),
    (r) => peerOf(r),
  );
  const candidates: Array<{ list: SocketRecord[]; port: number | null; peer: string | null }> = [
    ...[...ports].map(([port, list]) => ({ list, port, peer: null })),
    ...[...peers].map(([peer, list]) => ({ list, port: list[0]!.remotePort, peer })),
  ];
  for (const { list, port, peer } of candidates) {
    if (list.length < limit) continue;
    const server = port !== null && peer === null ? listeners.get(port) : undefined;
    // TIME_WAIT sockets belong to no process; name the one most likely behind them.
    const likely = server
      ? { pid: server.pid, process: server.process }
      : mainOwner(input.records.filter((r) => r.state !== "TIME_WAIT" && peer !== null && peerOf(r) === peer));
    const timers = timerFacts(list);
    const where = peer ? `toward ${peer}` : `on local port ${port}`;
    out.push({
      rule: "time-wait",
      severity: severity(list.length, limit),
      title: `TIME_WAIT churn ${where}: ${list.length} sockets`,
      state: "TIME_WAIT",
      count: list.length,
      threshold: limit,
      pid: likely.pid,
      process: likely.process,
      port,
      peer,
      oldestTimerMs: timers.longestMs,
      evidence: [
        `${list.length} sockets in TIME_WAIT ${where} (threshold time-wait=${limit}); ${all.length} in TIME_WAIT in all`,
        likely.pid !== null
          ? `TIME_WAIT sockets have no owner; the likely source is ${owner(likely.pid, likely.process)}, ${server ? "which listens on that port and closes first" : "which holds other connections to that peer"}`
          : "TIME_WAIT sockets have no owner, and no live socket points to the program that made them",
        ...(peer ? [`local ports used: ${new Set(list.map((r) => r.localPort)).size} of the ephemeral range ${rangeText(input.sysctls)}`] : []),
        ...(timers.line ? [timers.line] : []),
        ...overflowLine,
      ],
      cause: server
        ? "The server closes connections first, so each one leaves a TIME_WAIT socket behind for 60 s: clients that do not reuse connections, or keep-alive turned off."
        : "Many short connections are opened and closed toward the same peer; the closing side keeps each in TIME_WAIT for 60 s, and together they can use up the local ephemeral ports.",
      fix: FIXES["time-wait"](),
    });
  }
  return out;
}

const rangeText = (s: NetSysctls) => (s.localPortRange ? `${s.localPortRange[0]}-${s.localPortRange[1]}` : "(unknown)");

function synRecv(input: DiagnoseInput, listeners: Listeners): Finding[] {
  const limit = input.thresholds["syn-recv"];
  const out: Finding[] = [];
  const cookies = delta(input, "TcpExtSyncookiesSent");
  const qfull = delta(input, "TcpExtTCPReqQFullDrop");
  for (const [port, list] of groupBy(inState(input.records, "SYN_RECV"), (r) => r.localPort)) {
    if (list.length < limit) continue;
    const server = listeners.get(port);
    const timers = timerFacts(list);
    out.push({
      rule: "syn-recv",
      severity: severity(list.length, limit),
      title: `${list.length} half-open handshakes (SYN_RECV) on port ${port}${server ? `, served by ${owner(server.pid, server.process)}` : ""}`,
      state: "SYN_RECV",
      count: list.length,
      threshold: limit,
      pid: server?.pid ?? null,
      process: server?.process ?? null,
      port,
      peer: null,
      oldestTimerMs: timers.longestMs,
      evidence: [
        `${list.length} sockets in SYN_RECV on local port ${port} (threshold syn-recv=${limit})`,
        `sources: ${top(list.map((r) => r.remoteAddress ?? "-"))} (${new Set(list.map((r) => r.remoteAddress)).size} distinct)`,
        `listener: ${server ? `${owner(server.pid, server.process)}, accept queue ${server.recvQ ?? "?"} of backlog ${backlogOf(input, server) ?? "unknown"}` : "none found"}`,
        `net.ipv4.tcp_max_syn_backlog=${input.sysctls.maxSynBacklog ?? "?"}, tcp_synack_retries=${input.sysctls.synackRetries ?? "?"}, tcp_syncookies=${input.sysctls.syncookies ?? "?"}`,
        ...(cookies !== null ? [`SYN cookies sent in ${input.intervalSeconds} s: ${cookies}; SYNs dropped on a full SYN queue: ${qfull ?? "?"}`] : []),
        ...(timers.line ? [timers.line] : []),
      ],
      cause: "Handshakes are started but never finished: a SYN flood (often from spoofed addresses), clients on a lossy path, an accept queue so full that final ACKs are ignored, or a TCP_DEFER_ACCEPT listener whose clients connect and send nothing.",
      fix: FIXES["syn-recv"](),
    });
  }
  return out;
}

function acceptQueue(input: DiagnoseInput): Finding[] {
  const ratio = input.thresholds["accept-queue"];
  const overflowLimit = input.thresholds["listen-overflows"];
  const overflows = delta(input, "TcpExtListenOverflows");
  const drops = delta(input, "TcpExtListenDrops");
  const rising = overflows !== null && overflows >= overflowLimit;
  const out: Finding[] = [];
  const synSent = inState(input.records, "SYN_SENT");
  const flagged = new Set<number>();
  for (const l of input.records) {
    if (l.proto !== "tcp" || l.state !== "LISTEN" || l.recvQ === null || l.recvQ === 0) continue;
    const waiting = synSent.filter((r) => r.remotePort === l.localPort);
    const backlog = backlogOf(input, l);
    // Without the backlog, a queue that holds connections while handshakes overflow or clients wait is full.
    const full = backlog !== null ? l.recvQ >= Math.max(1, Math.ceil(backlog * ratio)) : rising || waiting.length > 0;
    if (!full) continue;
    flagged.add(l.localPort);
    out.push({
      rule: "accept-queue",
      severity: (backlog !== null && l.recvQ > backlog) || rising ? "critical" : "warning",
      title: `accept queue of ${owner(l.pid, l.process)} on port ${l.localPort} is full: ${l.recvQ} waiting, backlog ${backlog ?? "unknown"}`,
      state: "LISTEN",
      count: l.recvQ,
      threshold: ratio,
      pid: l.pid,
      process: l.process,
      port: l.localPort,
      peer: null,
      oldestTimerMs: timerFacts(waiting).longestMs,
      evidence: [
        `LISTEN ${endpoint(l, "local")}: ${l.recvQ} connection(s) waiting for accept() (Recv-Q), backlog ${backlog ?? `unknown${input.backlogUnknown ? ` (${input.backlogUnknown})` : ""}`}; threshold accept-queue=${ratio}`,
        overflows !== null
          ? `TcpExtListenOverflows rose by ${overflows} and TcpExtListenDrops by ${drops ?? "?"} in ${input.intervalSeconds} s${rising ? "" : " (not rising)"}`
          : "kernel counters not available",
        `${waiting.length} connection attempt(s) to port ${l.localPort} stuck in SYN_SENT on this host`,
        `net.core.somaxconn=${input.sysctls.somaxconn ?? "?"} caps any backlog`,
      ],
      cause: "The program does not call accept() as fast as connections arrive (blocked or too few workers), or its backlog is too small; once the queue is full the kernel drops new handshakes and clients hang in SYN_SENT or retry.",
      fix: FIXES["accept-queue"](l.process ?? "the server"),
    });
  }
  if (rising && flagged.size === 0) {
    out.push({
      rule: "listen-overflows",
      severity: "warning",
      title: `listen queues overflowed ${overflows} time(s) in ${input.intervalSeconds} s`,
      state: "LISTEN",
      count: overflows,
      threshold: overflowLimit,
      pid: null,
      process: null,
      port: null,
      peer: null,
      oldestTimerMs: null,
      evidence: [
        `TcpExtListenOverflows rose by ${overflows}, TcpExtListenDrops by ${drops ?? "?"} (threshold listen-overflows=${overflowLimit})`,
        "no listener's accept queue was full at the moment of reading: the overflows come in bursts",
      ],
      cause: "Bursts of connections fill some listener's accept queue faster than its program accepts them.",
      fix: FIXES["listen-overflows"](),
    });
  }
  return out;
}

function synSent(input: DiagnoseInput, localListeners: Listeners): Finding[] {
  const limit = input.thresholds["syn-sent"];
  const out: Finding[] = [];
  for (const [peer, list] of groupBy(inState(input.records, "SYN_SENT"), peerOf)) {
    if (list.length < limit) continue;
    const first = list[0]!;
    const who = mainOwner(list);
    const timers = timerFacts(list);
    const local = localListeners.get(first.remotePort ?? -1);
    out.push({
      rule: "syn-sent",
      severity: severity(list.length, limit),
      title: `${list.length} connection attempts stuck in SYN_SENT toward ${peer}`,
      state: "SYN_SENT",
      count: list.length,
      threshold: limit,
      pid: who.pid,
      process: who.process,
      port: first.remotePort,
      peer,
      oldestTimerMs: timers.longestMs,
      evidence: [
        `${list.length} sockets in SYN_SENT toward ${peer} (threshold syn-sent=${limit})`,
        `owners: ${top(list.map((r) => owner(r.pid, r.process)))}`,
        ...(timers.line ? [timers.line] : []),
        ...(local && (local.recvQ ?? 0) > 0 ? [`a local listener on port ${local.localPort} has ${local.recvQ} connection(s) waiting in its accept queue`] : []),
      ],
      cause: "The peer does not answer the SYNs: it is down, a firewall drops them silently, or its accept queue is full and it ignores new handshakes.",
      fix: FIXES["syn-sent"](String(first.remoteAddress), String(first.remotePort)),
    });
  }
  return out;
}

function closingState(input: DiagnoseInput, listeners: Listeners, state: "FIN_WAIT2" | "LAST_ACK"): Finding[] {
  const rule = state === "FIN_WAIT2" ? "fin-wait2" : "last-ack";
  const limit = input.thresholds[rule];
  const out: Finding[] = [];
  // Our server's connections group by its port (each client has its own address and port);
  // our outgoing ones by the peer's endpoint.
  const groups = groupBy(inState(input.records, state), (r) => (listeners.has(r.localPort) ? `port ${r.localPort}` : peerOf(r)));
  const ends = new Map<string, SocketRecord>();
  if (groups.size > 0) for (const r of input.records) if (r.remotePort !== null) ends.set(`${endpoint(r, "local")}|${endpoint(r, "remote")}`, r);
  for (const [key, list] of groups) {
    if (list.length < limit) continue;
    const server = key.startsWith("port ") ? listeners.get(list[0]!.localPort) : undefined;
    const peer = server ? `clients of port ${server.localPort} (${new Set(list.map((r) => r.remoteAddress)).size} address(es): ${top(list.map((r) => r.remoteAddress ?? "-"))})` : key;
    const held = mainOwner(list);
    // Orphaned sockets (closed by their program) have no owner: name the server behind the port.
    const who = held.pid === null && server ? { pid: server.pid, process: server.process } : held;
    const timers = timerFacts(list);
    const orphans = list.filter((r) => r.pid === null).length;
    const port = server ? server.localPort : list[0]!.remotePort;
    const peerText = server ? peer : `peer ${peer}`;
    const finWait = state === "FIN_WAIT2";
    // The other end on this host (its CLOSE_WAIT sockets, for FIN_WAIT2): the program to fix.
    const others = list.flatMap((r) => ends.get(`${endpoint(r, "remote")}|${endpoint(r, "local")}`) ?? []);
    const peerHolder = mainOwner(others);
    const peerName = peerHolder.pid === null ? "" : ` (${peerHolder.process ?? "?"}, pid ${peerHolder.pid})`;
    const holder = who.pid !== null ? `, ${held.pid !== null ? "held by" : "server:"} ${owner(who.pid, who.process)}` : "";
    out.push({
      rule,
      severity: severity(list.length, limit),
      title: finWait
        ? `${list.length} FIN_WAIT2 sockets waiting on ${peerText}${peerName} to close${holder}`
        : `${list.length} LAST_ACK sockets waiting for the last ACK from ${peer}${peerName}${holder}`,
      state,
      count: list.length,
      threshold: limit,
      pid: who.pid,
      process: who.process,
      port,
      peer: server ? null : key,
      oldestTimerMs: timers.longestMs,
      evidence: [
        `${list.length} sockets in ${state} with ${peerText} (threshold ${rule}=${limit})`,
        `owners: ${top(list.map((r) => owner(r.pid, r.process)))}; ${orphans} orphaned (already closed by their program)`,
        ...(server && held.pid === null ? [`listener on port ${server.localPort}: ${owner(server.pid, server.process)}`] : []),
        `local ports: ${top(list.map((r) => String(r.localPort)))}`,
        ...(others.length > 0
          ? [`the other end is on this host: ${plural(others.length, "socket")} in ${top(others.map((r) => r.state ?? "-"))}, held by ${top(others.map((r) => owner(r.pid, r.process)))}`]
          : []),
        ...(finWait
          ? [
              orphans > 0
                ? `net.ipv4.tcp_fin_timeout=${input.sysctls.finTimeout ?? "?"} s reclaims the ${plural(orphans, "orphaned socket")}; sockets still held by a program wait without limit`
                : `net.ipv4.tcp_fin_timeout=${input.sysctls.finTimeout ?? "?"} s does not apply: none is orphaned, and sockets held by a program wait without limit`,
            ]
          : []),
        ...(timers.line ? [timers.line] : []),
      ],
      cause: finWait
        ? `This side closed (or half-closed with shutdown()) and the ${peerText} acknowledged but never closed its own side: the remote program keeps these connections open (often leaking them in CLOSE_WAIT), or a firewall or NAT dropped the connection.`
        : `The ${peerText} closed first, this side answered with its FIN, and the final ACK never came back: the peer vanished (crash, expired NAT entry) or packets are lost.`,
      fix: finWait
        ? FIXES["fin-wait2"](
            peerText,
            peerHolder.pid !== null
              ? `${peerHolder.process ?? "the program"} (pid ${peerHolder.pid}), which holds the other end${others.some((r) => r.state === "CLOSE_WAIT") ? " in CLOSE_WAIT" : ""},`
              : undefined,
          )
        : FIXES["last-ack"](),
    });
  }
  return out;
}

function retransmits(input: DiagnoseInput, listeners: Listeners): Finding[] {
  const limit = input.thresholds.retransmits;
  const out: Finding[] = [];
  const struggling = input.records.filter((r) => r.proto === "tcp" && r.timer?.kind === "retransmit" && r.timer.retransmits >= 3);
  for (const [peer, list] of groupBy(struggling, (r) => r.remoteAddress ?? "-")) {
    if (list.length < limit) continue;
    const held = mainOwner(list);
    const port = mostCommonPort(list);
    const server = listeners.get(port);
    // Orphans (already closed by their program) have no owner: name the server behind the port.
    const who = held.pid === null && server ? { pid: server.pid, process: server.process } : held;
    const timers = timerFacts(list);
    out.push({
      rule: "retransmits",
      severity: severity(list.length, limit),
      title: `${list.length} connections to ${peer} keep retransmitting`,
      state: list[0]!.state,
      count: list.length,
      threshold: limit,
      pid: who.pid,
      process: who.process,
      port,
      peer,
      oldestTimerMs: timers.longestMs,
      evidence: [
        `${list.length} sockets toward ${peer} have retransmitted 3 times or more (threshold retransmits=${limit})`,
        `states: ${top(list.map((r) => r.state ?? "-"))}; owners: ${top(list.map((r) => owner(r.pid, r.process)))}`,
        ...(held.pid === null && server ? [`listener on port ${server.localPort}: ${owner(server.pid, server.process)}`] : []),
        ...(timers.line ? [timers.line] : []),
      ],
      cause: "Segments to this peer are not acknowledged: the peer is gone or overloaded, or the path loses packets.",
      fix: FIXES.retransmits(peer),
    });
  }
  const retrans = delta(input, "TcpRetransSegs");
  const sent = delta(input, "TcpOutSegs");
  const rate = input.thresholds["retrans-rate"];
  if (retrans !== null && sent !== null && sent >= 100 && retrans / sent >= rate) {
    out.push({
      rule: "retrans-rate",
      severity: retrans / sent >= rate * 4 ? "critical" : "warning",
      title: `${((retrans / sent) * 100).toFixed(1)}% of segments retransmitted in ${input.intervalSeconds} s`,
      state: null,
      count: retrans,
      threshold: rate,
      pid: null,
      process: null,
      port: null,
      peer: null,
      oldestTimerMs: null,
      evidence: [`TcpRetransSegs rose by ${retrans} while TcpOutSegs rose by ${sent} (threshold retrans-rate=${rate})`],
      cause: "Packet loss or congestion on some path, or peers that stopped answering.",
      fix: FIXES["retrans-rate"](),
    });
  }
  return out;
}

function ephemeral(input: DiagnoseInput): Finding[] {
  const range = input.sysctls.localPortRange;
  if (!range) return [];
  const [lo, hi] = range;
  const size = rangeSize(range);
  const limit = input.thresholds.ephemeral;
  const out: Finding[] = [];
  for (const [dest, { used, sockets: list }] of ephemeralUse(input.records, range)) {
    if (used / size < limit) continue;
    const who = mainOwner(list);
    out.push({
      rule: "ephemeral",
      severity: used / size >= 0.95 ? "critical" : "warning",
      title: `ephemeral ports nearly used up toward ${dest}: ${used} of ${size}`,
      state: null,
      count: used,
      threshold: limit,
      pid: who.pid,
      process: who.process,
      port: list[0]!.remotePort,
      peer: dest,
      oldestTimerMs: timerFacts(list).longestMs,
      evidence: [
        `${used} local ports of net.ipv4.ip_local_port_range ${lo}-${hi} (${size} ports) are in use toward ${dest} (threshold ephemeral=${limit})`,
        `states: ${top(list.map((r) => r.state ?? "-"), 5)}`,
        `owners: ${top(list.map((r) => owner(r.pid, r.process)))}`,
      ],
      cause: "Too many connections to one destination at once, mostly short ones lingering in TIME_WAIT; when the range runs out connect() fails with EADDRNOTAVAIL (\"Cannot assign requested address\").",
      fix: FIXES.ephemeral(),
    });
  }
  return out;
}

type Rule = (input: DiagnoseInput, listeners: Listeners) => Finding[];

const RULES: readonly Rule[] = [
  closeWait,
  timeWait,
  synRecv,
  acceptQueue,
  synSent,
  (i, l) => closingState(i, l, "FIN_WAIT2"),
  (i, l) => closingState(i, l, "LAST_ACK"),
  retransmits,
  ephemeral,
  (i) => exposedServices(i.records),
];

/** Every finding, the most severe and largest first. */
export function diagnose(input: DiagnoseInput): Finding[] {
  const listeners = listenersByPort(input.records);
  const findings = RULES.flatMap((rule) => rule(input, listeners));
  return findings.sort((a, b) => Number(b.severity === "critical") - Number(a.severity === "critical") || b.count / b.threshold - a.count / a.threshold);
}
