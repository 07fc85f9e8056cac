import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TcpstatError } from "../../errors.js";
import { parseSnmp, type CounterParse } from "./parse-snmp.js";

export interface CounterReading extends CounterParse {
  /** When the files were read (ms since the epoch), for rates between two readings. */
  readAt: number;
}

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, "latin1");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * Reads the kernel's counters of the caller's network namespace: /proc/net/snmp (required)
 * and /proc/net/netstat (TcpExt, IpExt; absent on very old kernels).
 * `procRoot` is the seam for tests on fixture trees.
 */
export function readKernelCounters(procRoot = "/proc"): CounterReading {
  const snmpPath = join(procRoot, "net", "snmp");
  const netstatPath = join(procRoot, "net", "netstat");
  const snmp = readOptional(snmpPath);
  if (snmp === null)
    throw new TcpstatError(`cannot read kernel counters: ${snmpPath} does not exist`, "kernel counters need Linux with /proc mounted");
  const netstat = readOptional(netstatPath) ?? "";
  return { ...parseSnmp(snmp, netstat, { snmp: snmpPath, netstat: netstatPath }), readAt: Date.now() };
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

/**
 * Reads the few sysctls doctor needs. Values are whitespace-separated numbers:
 * "32768\t60999\n" -> [32768, 60999].
 */
export function readNetSysctls(procRoot = "/proc", readText: (path: string) => string | null = readOptional): NetSysctls {
  const numbers = (rel: string): number[] | null => {
    let text: string | null;
    try {
      text = readText(join(procRoot, "sys", "net", ...rel.split("/")));
    } catch {
      return null; // unreadable (permissions): treated as unknown
    }
    if (text === null) return null;
    const values = text.trim().split(/\s+/).map(Number);
    return values.every(Number.isFinite) ? values : null;
  };
  const one = (rel: string) => numbers(rel)?.[0] ?? null;
  const range = numbers("ipv4/ip_local_port_range");
  return {
    localPortRange: range && range.length === 2 ? [range[0]!, range[1]!] : null,
    finTimeout: one("ipv4/tcp_fin_timeout"),
    somaxconn: one("core/somaxconn"),
    maxSynBacklog: one("ipv4/tcp_max_syn_backlog"),
    synackRetries: one("ipv4/tcp_synack_retries"),
    syncookies: one("ipv4/tcp_syncookies"),
    maxTwBuckets: one("ipv4/tcp_max_tw_buckets"),
    twReuse: one("ipv4/tcp_tw_reuse"),
  };
}

/** The files readNetSysctls reads, under procRoot: what a reader in another namespace must fetch. */
export const NET_SYSCTL_FILES = [
  "ipv4/ip_local_port_range",
  "ipv4/tcp_fin_timeout",
  "core/somaxconn",
  "ipv4/tcp_max_syn_backlog",
  "ipv4/tcp_synack_retries",
  "ipv4/tcp_syncookies",
  "ipv4/tcp_max_tw_buckets",
  "ipv4/tcp_tw_reuse",
].map((rel) => join("/proc", "sys", "net", ...rel.split("/")));
