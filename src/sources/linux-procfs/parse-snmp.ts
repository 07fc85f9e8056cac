import type { KernelCounters } from "../../model/counters.js";
import type { Problem } from "../../model/socket.js";

/**
 * Parser for the kernel's protocol counters, /proc/net/snmp and /proc/net/netstat.
 * Both files hold pairs of lines per group: a header line naming the counters and a
 * value line with the same prefix and as many numbers (net/ipv4/proc.c, snmp_seq_show):
 *
 *   Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens ...
 *   Tcp: 1 200 120000 -1 76 2 ...
 *   TcpExt: SyncookiesSent SyncookiesRecv ... ListenOverflows ListenDrops ...
 *   TcpExt: 0 0 ... 3 3 ...
 *
 * -> { TcpRtoAlgorithm: 1, TcpRtoMin: 200, TcpMaxConn: -1, TcpActiveOpens: 76, ...,
 *      TcpExtListenOverflows: 3, TcpExtListenDrops: 3, ... }
 *
 * Names are the group and the counter joined, exactly as `nstat -az` prints them,
 * so a reader can compare the two line by line. Tcp MaxConn is -1 ("no limit"): values are signed.
 */

export interface CounterParse {
  counters: KernelCounters;
  problems: Problem[];
}

const NUMBER = /^-?\d+$/;

/** Reads one file of header/value line pairs into `into`; unreadable lines become problems. */
function parsePairs(text: string, source: string, into: KernelCounters, problems: Problem[]): void {
  const lines = text.split("\n");
  let header: { prefix: string; names: string[]; line: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, "");
    if (raw.trim() === "") continue;
    const lineNo = i + 1;
    const colon = raw.indexOf(":");
    const fail = (reason: string) => problems.push({ source, line: lineNo, text: raw, reason });
    if (colon <= 0) {
      fail("expected 'Group: ...'");
      continue;
    }
    const prefix = raw.slice(0, colon);
    const fields = raw.slice(colon + 1).trim().split(/\s+/).filter(Boolean);
    const isValues = fields.length > 0 && fields.every((f) => NUMBER.test(f));
    if (!isValues) {
      if (header) fail(`header for ${header.prefix} (line ${header.line}) has no value line`);
      header = { prefix, names: fields, line: lineNo };
      continue;
    }
    if (!header || header.prefix !== prefix) {
      fail(`values for ${prefix} without a header line`);
      header = null;
      continue;
    }
    if (fields.length !== header.names.length) {
      fail(`${header.names.length} counter names but ${fields.length} values`);
      header = null;
      continue;
    }
    header.names.forEach((name, k) => {
      into[`${prefix}${name}`] = Number(fields[k]);
    });
    header = null;
  }
  if (header) problems.push({ source, line: header.line, text: lines[header.line - 1] ?? "", reason: `header for ${header.prefix} has no value line` });
}

/**
 * Parses /proc/net/snmp and /proc/net/netstat text (either may be empty) into one table of counters.
 * Pure: the caller reads the files (see readKernelCounters).
 */
export function parseSnmp(
  snmpText: string,
  netstatText = "",
  sources: { snmp?: string; netstat?: string } = {},
): CounterParse {
  const counters: KernelCounters = {};
  const problems: Problem[] = [];
  parsePairs(snmpText, sources.snmp ?? "/proc/net/snmp", counters, problems);
  parsePairs(netstatText, sources.netstat ?? "/proc/net/netstat", counters, problems);
  return { counters, problems };
}
