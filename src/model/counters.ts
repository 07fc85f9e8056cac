import type { Problem } from "./socket.js";

/**
 * What the kernel's counters and network settings read as, for the layers that use them:
 * read by src/sources/linux-procfs/ (read-counters.ts, parse-snmp.ts), judged by doctor's
 * rules (src/knowledge/diagnose.ts), turned into `tcpstat stats` (src/knowledge/counter-stats.ts).
 */

/** Counters by nstat name, e.g. "TcpActiveOpens", "TcpExtListenOverflows". */
export type KernelCounters = Record<string, number>;

/** One reading of /proc/net/snmp and /proc/net/netstat. */
export interface CounterReading {
  counters: KernelCounters;
  problems: Problem[];
  /** When the files were read (ms since the epoch), for rates between two readings. */
  readAt: number;
}

/** The network settings doctor compares against, from /proc/sys/net. Missing ones are null. */
export interface NetSysctls {
  /** net.ipv4.ip_local_port_range: the ephemeral ports for outgoing connections. */
  localPortRange: [number, number] | null;
  /** net.ipv4.tcp_fin_timeout: seconds an orphaned FIN_WAIT2 socket is kept. */
  finTimeout: number | null;
  /** net.core.somaxconn: the cap on any listen() backlog. */
  somaxconn: number | null;
  /** net.ipv4.tcp_max_syn_backlog: half-open handshakes kept per listener. */
  maxSynBacklog: number | null;
  /** net.ipv4.tcp_synack_retries: SYN-ACK resends before a half-open handshake is dropped. */
  synackRetries: number | null;
  /** net.ipv4.tcp_syncookies: 0 off, 1 when the SYN queue overflows, 2 always. */
  syncookies: number | null;
  /** net.ipv4.tcp_max_tw_buckets: TIME_WAIT sockets kept before new ones are dropped at once. */
  maxTwBuckets: number | null;
  /** net.ipv4.tcp_tw_reuse: 0 off, 1 on, 2 loopback only. */
  twReuse: number | null;
}
