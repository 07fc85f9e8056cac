import { GAUGES } from "../knowledge/counters.js";

/**
 * The kernel counters tcpstat exports, keyed by their `nstat` name (group + counter, as
 * parseSnmp returns them from /proc/net/snmp and /proc/net/netstat), with the Prometheus
 * name each one gets. Data, not code: one row a counter.
 *
 * Names follow https://prometheus.io/docs/practices/naming/: `tcpstat_` prefix, snake case,
 * `_total` on counters; related counters that add up meaningfully share one metric with a
 * label (the abort reasons). TCP counters cover IPv4 and IPv6 (the kernel keeps one TCP MIB);
 * /proc/net/snmp's Udp group is IPv4 only (IPv6 sits in /proc/net/snmp6).
 */
export interface KernelMetric {
  /** nstat name, e.g. "TcpExtListenOverflows". */
  counter: string;
  metric: string;
  type: "counter" | "gauge";
  help: string;
  labels?: Readonly<Record<string, string>>;
}

/** A metric; gauges are those knowledge/counters.ts marks as levels, not running totals. */
const c = (counter: string, metric: string, help: string, labels?: Record<string, string>): KernelMetric => ({
  counter,
  metric,
  type: GAUGES.has(counter) ? "gauge" : "counter",
  help,
  labels,
});

const ABORTS = "TCP connections the kernel aborted with a reset, by reason (TcpExtTCPAbortOn*).";

export const KERNEL_METRICS: readonly KernelMetric[] = [
  c("TcpActiveOpens", "tcpstat_tcp_active_opens_total", "TCP connections this host opened (CLOSE to SYN_SENT; nstat TcpActiveOpens)."),
  c("TcpPassiveOpens", "tcpstat_tcp_passive_opens_total", "TCP connections accepted from peers (LISTEN to SYN_RECV; TcpPassiveOpens)."),
  c("TcpAttemptFails", "tcpstat_tcp_attempt_fails_total", "TCP connection attempts that failed (TcpAttemptFails)."),
  c("TcpEstabResets", "tcpstat_tcp_established_resets_total", "ESTABLISHED or CLOSE_WAIT connections ended by a reset (TcpEstabResets)."),
  c("TcpCurrEstab", "tcpstat_tcp_current_established", "TCP connections in ESTABLISHED or CLOSE_WAIT, as the kernel counts them (TcpCurrEstab)."),
  c("TcpInSegs", "tcpstat_tcp_segments_received_total", "TCP segments received, including those in error (TcpInSegs)."),
  c("TcpOutSegs", "tcpstat_tcp_segments_sent_total", "TCP segments sent, retransmissions excluded (TcpOutSegs)."),
  c("TcpRetransSegs", "tcpstat_tcp_segments_retransmitted_total", "TCP segments retransmitted (TcpRetransSegs)."),
  c("TcpInErrs", "tcpstat_tcp_receive_errors_total", "TCP segments received in error (TcpInErrs)."),
  c("TcpOutRsts", "tcpstat_tcp_resets_sent_total", "TCP segments sent with the RST flag (TcpOutRsts)."),
  c("TcpInCsumErrors", "tcpstat_tcp_checksum_errors_total", "TCP segments received with a bad checksum (TcpInCsumErrors)."),
  c("TcpExtListenOverflows", "tcpstat_tcp_listen_overflows_total", "Handshakes completed while the listener's accept queue was full (TcpExtListenOverflows)."),
  c("TcpExtListenDrops", "tcpstat_tcp_listen_drops_total", "SYNs and handshakes a listener dropped, overflows included (TcpExtListenDrops)."),
  c("TcpExtTCPBacklogDrop", "tcpstat_tcp_backlog_drops_total", "Segments dropped because the socket backlog was full (TcpExtTCPBacklogDrop)."),
  c("TcpExtSyncookiesSent", "tcpstat_tcp_syncookies_sent_total", "SYN cookies sent when the SYN queue was full (TcpExtSyncookiesSent)."),
  c("TcpExtSyncookiesRecv", "tcpstat_tcp_syncookies_received_total", "Valid SYN cookies received back (TcpExtSyncookiesRecv)."),
  c("TcpExtSyncookiesFailed", "tcpstat_tcp_syncookies_failed_total", "Invalid SYN cookies received (TcpExtSyncookiesFailed)."),
  c("TcpExtTCPTimeouts", "tcpstat_tcp_timeouts_total", "Retransmission timeouts (TcpExtTCPTimeouts)."),
  c("TcpExtTCPSynRetrans", "tcpstat_tcp_syn_retransmits_total", "SYN and SYN-ACK retransmissions (TcpExtTCPSynRetrans)."),
  c("TcpExtTW", "tcpstat_tcp_time_wait_finished_total", "Sockets that finished TIME_WAIT (TcpExtTW)."),
  c("TcpExtTCPAbortOnData", "tcpstat_tcp_aborts_total", ABORTS, { reason: "data" }),
  c("TcpExtTCPAbortOnClose", "tcpstat_tcp_aborts_total", ABORTS, { reason: "close" }),
  c("TcpExtTCPAbortOnMemory", "tcpstat_tcp_aborts_total", ABORTS, { reason: "memory" }),
  c("TcpExtTCPAbortOnTimeout", "tcpstat_tcp_aborts_total", ABORTS, { reason: "timeout" }),
  c("TcpExtTCPAbortOnLinger", "tcpstat_tcp_aborts_total", ABORTS, { reason: "linger" }),
  c("TcpExtTCPAbortFailed", "tcpstat_tcp_aborts_total", ABORTS, { reason: "failed" }),
  c("TcpExtTCPMemoryPressures", "tcpstat_tcp_memory_pressures_total", "Times TCP entered memory pressure (TcpExtTCPMemoryPressures)."),
  c("UdpInDatagrams", "tcpstat_udp_datagrams_received_total", "UDP datagrams delivered to sockets, IPv4 (UdpInDatagrams)."),
  c("UdpOutDatagrams", "tcpstat_udp_datagrams_sent_total", "UDP datagrams sent, IPv4 (UdpOutDatagrams)."),
  c("UdpNoPorts", "tcpstat_udp_no_port_total", "UDP datagrams for a port with no socket, IPv4 (UdpNoPorts)."),
  c("UdpInErrors", "tcpstat_udp_receive_errors_total", "UDP datagrams that could not be delivered, IPv4 (UdpInErrors)."),
  c("UdpRcvbufErrors", "tcpstat_udp_receive_buffer_errors_total", "UDP datagrams dropped on a full receive buffer, IPv4 (UdpRcvbufErrors)."),
  c("UdpSndbufErrors", "tcpstat_udp_send_buffer_errors_total", "UDP datagrams dropped on a full send buffer, IPv4 (UdpSndbufErrors)."),
  c("UdpInCsumErrors", "tcpstat_udp_checksum_errors_total", "UDP datagrams received with a bad checksum, IPv4 (UdpInCsumErrors)."),
];
