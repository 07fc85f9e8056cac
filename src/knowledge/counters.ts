/**
 * The kernel counters `tcpstat stats` shows by default, named in words.
 * Names are nstat's (group + counter), defined in include/uapi/linux/snmp.h and printed
 * by net/ipv4/proc.c; `gauge` marks values that are a level, not a running total.
 */

export interface CounterInfo {
  name: string;
  group: string;
  label: string;
  gauge?: boolean;
}

const c = (group: string, name: string, label: string, gauge = false): CounterInfo => ({ name, group, label, gauge });

export const KNOWN_COUNTERS: readonly CounterInfo[] = [
  c("Connections", "TcpActiveOpens", "connections opened from here (connect: CLOSED -> SYN_SENT)"),
  c("Connections", "TcpPassiveOpens", "connections accepted by listeners (LISTEN -> SYN_RECV)"),
  c("Connections", "TcpAttemptFails", "connection attempts that failed (SYN_SENT/SYN_RECV -> CLOSED)"),
  c("Connections", "TcpEstabResets", "established connections reset (ESTABLISHED/CLOSE_WAIT -> CLOSED)"),
  c("Connections", "TcpCurrEstab", "connections now in ESTABLISHED or CLOSE_WAIT", true),
  c("Connections", "TcpOutRsts", "resets sent (RST segments out)"),
  c("Connections", "TcpExtEmbryonicRsts", "resets received for half-open connections (SYN_RECV)"),
  c("Segments", "TcpInSegs", "segments received"),
  c("Segments", "TcpOutSegs", "segments sent (retransmissions excluded)"),
  c("Segments", "TcpRetransSegs", "segments retransmitted"),
  c("Segments", "TcpInErrs", "segments received with errors"),
  c("Segments", "TcpInCsumErrors", "segments received with a bad checksum"),
  c("Retransmission", "TcpExtTCPTimeouts", "retransmission timeouts (RTO fired)"),
  c("Retransmission", "TcpExtTCPSynRetrans", "SYN and SYN-ACK retransmissions"),
  c("Retransmission", "TcpExtTCPFastRetrans", "fast retransmits (after duplicate ACKs or SACK)"),
  c("Retransmission", "TcpExtTCPLostRetransmit", "retransmissions that were lost again"),
  c("Retransmission", "TcpExtTCPSpuriousRTOs", "timeouts found to be spurious (F-RTO)"),
  c("Listen queues", "TcpExtListenOverflows", "accept queue full: completed handshakes dropped (listen overflows)"),
  c("Listen queues", "TcpExtListenDrops", "SYNs or handshakes dropped at a listener (all causes)"),
  c("Listen queues", "TcpExtTCPReqQFullDrop", "SYNs dropped because the SYN queue was full"),
  c("Listen queues", "TcpExtTCPReqQFullDoCookies", "SYN queue full: answered with a SYN cookie instead"),
  c("Listen queues", "TcpExtSyncookiesSent", "SYN cookies sent"),
  c("Listen queues", "TcpExtSyncookiesRecv", "valid SYN cookies received back"),
  c("Listen queues", "TcpExtSyncookiesFailed", "invalid SYN cookies received"),
  c("Listen queues", "TcpExtTCPDeferAcceptDrop", "handshakes dropped by TCP_DEFER_ACCEPT (no data came)"),
  c("Closing", "TcpExtTW", "TIME_WAIT sockets that ended on their timer"),
  c("Closing", "TcpExtTWRecycled", "TIME_WAIT sockets reused by a new connection (tcp_tw_reuse)"),
  c("Closing", "TcpExtTWKilled", "TIME_WAIT sockets killed early"),
  c("Closing", "TcpExtTCPTimeWaitOverflow", "TIME_WAIT sockets not kept: tcp_max_tw_buckets reached"),
  c("Closing", "TcpExtTCPAbortOnData", "connections reset because data arrived after close()"),
  c("Closing", "TcpExtTCPAbortOnClose", "connections reset because close() left unread data"),
  c("Closing", "TcpExtTCPAbortOnMemory", "connections reset for lack of memory (too many orphans)"),
  c("Closing", "TcpExtTCPAbortOnTimeout", "connections dropped after too many retransmissions or probes"),
  c("Closing", "TcpExtTCPAbortOnLinger", "connections reset by SO_LINGER with a zero timeout"),
  c("Memory and drops", "TcpExtPruneCalled", "receive queues pruned under memory pressure"),
  c("Memory and drops", "TcpExtTCPMemoryPressures", "times TCP entered memory pressure"),
  c("Memory and drops", "TcpExtTCPBacklogDrop", "segments dropped: socket backlog full"),
  c("Memory and drops", "TcpExtTCPRcvQDrop", "segments dropped: receive buffer full"),
  c("UDP", "UdpInDatagrams", "UDP datagrams received"),
  c("UDP", "UdpOutDatagrams", "UDP datagrams sent"),
  c("UDP", "UdpNoPorts", "UDP datagrams to a port with no socket"),
  c("UDP", "UdpInErrors", "UDP datagrams received with errors"),
  c("UDP", "UdpRcvbufErrors", "UDP datagrams dropped: receive buffer full"),
  c("UDP", "UdpSndbufErrors", "UDP datagrams dropped: send buffer full"),
];

/** Values that are settings or levels, not running totals: no rate for them. */
export const GAUGES: ReadonlySet<string> = new Set([
  ...KNOWN_COUNTERS.filter((k) => k.gauge).map((k) => k.name),
  "IpForwarding",
  "IpDefaultTTL",
  "TcpRtoAlgorithm",
  "TcpRtoMin",
  "TcpRtoMax",
  "TcpMaxConn",
]);

/** "TcpExtListenOverflows" -> "TcpExt", for counters without a curated entry. */
export function counterGroup(name: string): string {
  const m = /^(IpExt|TcpExt|MPTcpExt|IcmpMsg|UdpLite|Icmp|Tcp|Udp|Ip)/.exec(name);
  return m ? m[1]! : "Other";
}
