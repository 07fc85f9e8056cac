import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TcpstatError } from "../../errors.js";
import type { CounterReading, NetSysctls } from "../../model/counters.js";
import { parseSnmp } from "./parse-snmp.js";

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
