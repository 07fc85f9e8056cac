import type { SocketRecord } from "../model/socket.js";
import { TCP_STATES, type TcpState } from "../model/state.js";
import type { GroupKey, StateCounts, Summary, SummaryGroup } from "../model/report.js";
import { formatEndpoint } from "./endpoint.js";
import { containerLabel, otherHolders, shownHolder } from "./owners.js";

/**
 * Counts sockets per state, like `ss -s` or `netstat -an | awk '{print $6}' | sort | uniq -c`,
 * and optionally per port, process, remote or local address (top N, the rest summed).
 *
 *   summarize([estab :22 <- 10.0.0.5, listen :22], { by: "port", top: 5 })
 *   -> tcp.states.ESTABLISHED 1, LISTEN 1; by.top [{ key: "22", count: 2, ... }]
 */

export interface SummarizeOptions {
  by?: GroupKey;
  /** Groups shown by name; the rest are summed. Default 10. */
  top?: number;
  source: string;
  problems?: number;
  now?: Date;
}

export const emptyStateCounts = (): StateCounts =>
  Object.fromEntries(TCP_STATES.map((s) => [s, 0])) as StateCounts;

/** The label a socket is grouped under for `--by`. Sockets with no such thing group under "-". */
export type GroupLabeler = (r: SocketRecord) => string;

/**
 * `--by port` groups by the service port: the local port when something listens on it
 * (the server side of a connection), otherwise the remote port (our outgoing connections),
 * so a client's ephemeral ports do not scatter one service over thousands of rows.
 */
export function groupLabeler(by: GroupKey, records: readonly SocketRecord[]): GroupLabeler {
  switch (by) {
    case "port": {
      const listening = new Set<string>();
      for (const r of records)
        if (r.state === "LISTEN" || (r.proto === "udp" && r.remotePort === null)) listening.add(`${r.proto}/${r.localPort}`);
      return (r) =>
        r.remotePort === null || listening.has(`${r.proto}/${r.localPort}`) ? String(r.localPort) : String(r.remotePort);
    }
    case "process":
      return (r) => (r.pid === null ? "-" : `${r.pid}/${r.process ?? "?"}`);
    case "remote":
      return (r) => r.remoteAddress ?? "-";
    case "local":
      return (r) => formatEndpoint(r.localAddress, r.localPort, r.family);
    // The shown holder's (records read with --who): a container's name, else its id's first 12 digits.
    case "container":
      return (r) => {
        const c = shownHolder(r)?.container;
        return c ? containerLabel(c) : "-";
      };
    case "unit":
      return (r) => shownHolder(r)?.unit ?? "-";
  }
}

export function summarize(records: readonly SocketRecord[], options: SummarizeOptions): Summary {
  const counter = new SummaryCounter();
  for (const r of records) counter.add(r);
  return { ...counter.summary(options), by: options.by ? groupBy(records, options.by, options.top ?? 10) : null };
}

/**
 * The counts of a summary without --by, taken one record at a time, so the records need not
 * be kept (`tcpstat summary` on 100k sockets: see collectReport's onRecord).
 *
 *   const counter = new SummaryCounter();
 *   counter.add(record); ...
 *   counter.summary({ source: "procfs" })   // by: null
 */
export class SummaryCounter {
  private readonly states = emptyStateCounts();
  private total = 0;
  private tcp = 0;
  private udpConnected = 0;
  private udpUnconnected = 0;
  private ipv4 = 0;
  private ipv6 = 0;

  /** A record, or a /proc/net row that was never made into one (the same fields). */
  add(r: Pick<SocketRecord, "proto" | "family" | "state" | "remotePort">): void {
    // The summary counts TCP and UDP: -w and -x are refused there (src/commands/summary.ts).
    if (r.proto === "raw" || r.proto === "unix") throw new Error(`the summary counts TCP and UDP sockets, not ${r.proto}`);
    this.total++;
    if (r.family === "ipv4") this.ipv4++;
    else this.ipv6++;
    if (r.proto === "tcp" && r.state) {
      this.tcp++;
      this.states[r.state]++;
    } else if (r.remotePort === null) this.udpUnconnected++;
    else this.udpConnected++;
  }

  summary(options: Omit<SummarizeOptions, "by" | "top">): Summary {
    const { udpConnected, udpUnconnected } = this;
    return {
      time: (options.now ?? new Date()).toISOString(),
      source: options.source,
      total: this.total,
      tcp: { total: this.tcp, states: { ...this.states } },
      udp: { total: udpConnected + udpUnconnected, connected: udpConnected, unconnected: udpUnconnected },
      families: { ipv4: this.ipv4, ipv6: this.ipv6 },
      by: null,
      problems: options.problems ?? 0,
    };
  }
}

function groupBy(records: readonly SocketRecord[], by: GroupKey, top: number): NonNullable<Summary["by"]> {
  const label = groupLabeler(by, records);
  const groups = new Map<string, SummaryGroup>();
  for (const r of records) {
    // Sockets of several namespaces (--netns): grouped per namespace first, each group naming it.
    if (r.netns === undefined) countGroup(groups, label(r), r);
    else {
      const key = `${r.netns.inode}\0${label(r)}`;
      if (!groups.has(key)) groups.set(key, { key: label(r), count: 0, states: {}, udp: 0, netns: r.netns });
      countGroup(groups, key, r);
    }
  }
  const ranked = rankGroups(groups.values(), by, top);
  // A socket several processes hold (a forked server's workers) counts once, under the one shown.
  if (by === "process") ranked.shared = records.reduce((n, r) => n + (otherHolders(r) > 0 ? 1 : 0), 0);
  return ranked;
}

/** One socket counted in the group `key` (made when first met). A capture read in pieces counts into the same map. */
export function countGroup(groups: Map<string, SummaryGroup>, key: string, r: Pick<SocketRecord, "state">): void {
  let g = groups.get(key);
  if (!g) {
    g = { key, count: 0, states: {}, udp: 0 };
    groups.set(key, g);
  }
  g.count++;
  if (r.state) g.states[r.state] = (g.states[r.state] ?? 0) + 1;
  else g.udp++;
}

/** The groups counted, the top N by name and the rest summed. */
export function rankGroups(groups: Iterable<SummaryGroup>, by: GroupKey, top: number): NonNullable<Summary["by"]> {
  // Most sockets first; ties in a stable, readable order (numeric ports ascending).
  const sorted = [...groups].sort(
    (a, b) => b.count - a.count || Number(a.key) - Number(b.key) || a.key.localeCompare(b.key),
  );
  const shown = sorted.slice(0, top);
  const rest = sorted.slice(top);
  return { key: by, top: shown, rest: { groups: rest.length, count: rest.reduce((n, g) => n + g.count, 0) } };
}

/** States with a non-zero count in any group, in canonical order: the columns of a --by table. */
export function statesInUse(groups: readonly SummaryGroup[]): TcpState[] {
  return TCP_STATES.filter((s) => groups.some((g) => (g.states[s] ?? 0) > 0));
}
