import type { Family, NetnsTag, Proto, SocketRecord } from "../model/socket.js";
import { TCP_STATES, type TcpState } from "../model/state.js";
import { KERNEL_METRICS } from "./prometheus-counters.js";

/**
 * Prometheus text exposition format (version 0.0.4), as node_exporter's textfile collector
 * and a scrape of `tcpstat serve` read it:
 *
 *   # HELP tcpstat_sockets Sockets by protocol, address family and state ...
 *   # TYPE tcpstat_sockets gauge
 *   tcpstat_sockets{proto="tcp",family="ipv4",state="ESTABLISHED"} 12
 *   tcpstat_sockets{proto="tcp",family="ipv4",state="SYN_SENT"} 0
 *
 * Every TCP state is present, 0 where there are none, so rates and alerts never see a series
 * vanish. UDP has no TCP state: it shares the metric with the two states ss prints for it,
 * UNCONN (no peer) and ESTABLISHED (connect()ed), so sum(tcpstat_sockets) is every socket.
 */

export interface KernelCounterSet {
  /** The namespace the counters belong to; null for tcpstat's own. */
  netns: NetnsTag | null;
  counters: Readonly<Record<string, number>>;
}

export interface MetricsInput {
  records: readonly SocketRecord[];
  /** What was collected, so absent combinations are written as 0. Default: what the records hold. */
  protos?: readonly Proto[];
  families?: readonly Family[];
  /** TCP states the selection allowed (default all). */
  states?: ReadonlySet<TcpState>;
  /** Label every socket series with its namespace (--netns). */
  namespaces?: readonly NetnsTag[];
  counters?: readonly KernelCounterSet[];
  /** Seconds the collection took. */
  durationSeconds?: number;
  /** Unreadable lines in this collection. */
  problems?: number;
  /** Processes with their own series; the rest are summed as process="other". Default 10. */
  top?: number;
  /** Whether owners were resolved; without them the per-process family is left out. */
  owners?: boolean;
  /** One series per socket (tcpstat serve --detailed). */
  detailed?: boolean;
}

export const DEFAULT_TOP = 10;
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
const UDP_STATES = ["UNCONN", "ESTABLISHED"] as const;

type Labels = ReadonlyArray<readonly [string, string]>;

/** Label values escape backslash, double quote and newline (exposition format spec). */
const escapeLabelValue = (value: string): string => value.replace(/[\\"\n]/g, (ch) => (ch === "\n" ? "\\n" : `\\${ch}`));

/** HELP text escapes backslash and newline only. */
const escapeHelp = (text: string): string => text.replace(/[\\\n]/g, (ch) => (ch === "\n" ? "\\n" : "\\\\"));

/** Go's float formatting as Prometheus parses it: integers plain, others shortest round-trip. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function sample(name: string, labels: Labels, value: number): string {
  const body = labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",");
  return `${name}${body ? `{${body}}` : ""} ${formatValue(value)}\n`;
}

function* family(name: string, type: "gauge" | "counter", help: string, samples: Iterable<string>): Iterable<string> {
  yield `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
  yield* samples;
}

const nsLabel = (tag: NetnsTag): string => tag.name ?? `net:[${tag.inode}]`;
const udpState = (r: SocketRecord) => (r.remoteAddress === null ? "UNCONN" : "ESTABLISHED");
const stateOf = (r: SocketRecord): string => (r.proto === "udp" ? udpState(r) : (r.state ?? "CLOSE"));
const isListening = (r: SocketRecord) => (r.proto === "tcp" ? r.state === "LISTEN" : r.remoteAddress === null);

/** Counts by a key, remembering the labels of each key. */
class Counter {
  readonly counts = new Map<string, { labels: Labels; value: number }>();
  add(labels: Labels, by = 1): void {
    const key = labels.map(([, v]) => v).join("\u0000");
    const entry = this.counts.get(key);
    if (entry) entry.value += by;
    else this.counts.set(key, { labels, value: by });
  }
  *samples(name: string): Iterable<string> {
    for (const { labels, value } of this.counts.values()) yield sample(name, labels, value);
  }
}

const uniq = <T>(values: Iterable<T>): T[] => [...new Set(values)];

/** The metrics of one collection, as exposition text chunks. Pure: the caller collects and times. */
export function* renderPrometheus(input: MetricsInput): Iterable<string> {
  const { records } = input;
  const protos = input.protos ?? uniq(records.map((r) => r.proto)).sort();
  const families = input.families ?? uniq(records.map((r) => r.family)).sort();
  const tcpStates = TCP_STATES.filter((s) => !input.states || input.states.has(s));
  const labelNetns = input.namespaces !== undefined;
  const namespaces = labelNetns ? uniq([...input.namespaces!.map(nsLabel), ...records.flatMap((r) => (r.netns ? [nsLabel(r.netns)] : []))]) : [null];
  const ns = (label: string | null): Labels => (label === null ? [] : [["netns", label]]);
  const recordNs = (r: SocketRecord): string | null => (labelNetns ? (r.netns ? nsLabel(r.netns) : "") : null);

  // Sockets by proto, family and state, zero-filled in a stable order.
  const sockets = new Counter();
  for (const n of namespaces)
    for (const proto of protos)
      for (const fam of families)
        for (const state of proto === "tcp" ? tcpStates : UDP_STATES)
          sockets.add([...ns(n), ["proto", proto], ["family", fam], ["state", state]], 0);
  for (const r of records) sockets.add([...ns(recordNs(r)), ["proto", r.proto], ["family", r.family], ["state", stateOf(r)]]);
  yield* family(
    "tcpstat_sockets",
    "gauge",
    "Sockets by protocol, address family and state; UDP sockets are UNCONN (no peer) or ESTABLISHED (connected), as ss shows them.",
    sockets.samples("tcpstat_sockets"),
  );

  const listeners = new Counter();
  const listening = records.filter(isListening).sort((a, b) => a.localPort - b.localPort || a.proto.localeCompare(b.proto));
  for (const r of listening) listeners.add([...ns(recordNs(r)), ["proto", r.proto], ["family", r.family], ["port", String(r.localPort)]]);
  yield* family(
    "tcpstat_listening_sockets",
    "gauge",
    "Listening sockets by local port: TCP LISTEN and unconnected UDP, as ss -l lists them.",
    listeners.samples("tcpstat_listening_sockets"),
  );

  if (input.owners !== false) yield* processFamily(records, input.top ?? DEFAULT_TOP, recordNs);

  yield* kernelFamilies(input.counters ?? [], labelNetns);

  if (input.detailed) yield* detailedFamilies(records, labelNetns);

  yield* family(
    "tcpstat_collection_problems",
    "gauge",
    "Lines of the kernel's tables this collection could not read (reported on stderr).",
    [sample("tcpstat_collection_problems", [], input.problems ?? 0)],
  );
  if (input.durationSeconds !== undefined)
    yield* family(
      "tcpstat_collection_duration_seconds",
      "gauge",
      "Seconds this collection took: reading the socket tables, owners and counters.",
      [sample("tcpstat_collection_duration_seconds", [], Number(input.durationSeconds.toFixed(6)))],
    );
}

/** Sockets by owning process: the top N names by count (ties by name), the rest as "other". */
function* processFamily(records: readonly SocketRecord[], top: number, netnsOf: (r: SocketRecord) => string | null): Iterable<string> {
  // With --netns, per namespace first: a process name in two namespaces is two programs.
  const byName = new Map<string, { netns: string | null; name: string; n: number }>();
  for (const r of records) {
    if (r.pid === null || r.process === null) continue;
    const netns = netnsOf(r);
    const key = `${netns ?? ""}\0${r.process}`;
    const entry = byName.get(key);
    if (entry) entry.n++;
    else byName.set(key, { netns, name: r.process, n: 1 });
  }
  const ranked = [...byName.values()].sort((a, b) => b.n - a.n || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || ((a.netns ?? "") < (b.netns ?? "") ? -1 : 1));
  const shown = ranked.slice(0, top);
  const rest = ranked.slice(top).reduce((sum, { n }) => sum + n, 0);
  const labels = (netns: string | null, name: string): Labels => [...(netns === null ? [] : ([["netns", netns]] as Labels)), ["process", name]];
  const samples = shown.map(({ netns, name, n }) => sample("tcpstat_process_sockets", labels(netns, name), n));
  if (ranked.length > top) samples.push(sample("tcpstat_process_sockets", [["process", "other"]], rest));
  yield* family(
    "tcpstat_process_sockets",
    "gauge",
    `Sockets by owning process name (where known): the ${top} with most sockets, the rest summed as process="other". A socket several processes hold counts once, under the one shown.`,
    samples,
  );
}

function* kernelFamilies(sets: readonly KernelCounterSet[], labelNetns: boolean): Iterable<string> {
  const byMetric = new Map<string, { type: "gauge" | "counter"; help: string; samples: string[] }>();
  for (const def of KERNEL_METRICS) {
    for (const set of sets) {
      const value = set.counters[def.counter];
      if (value === undefined) continue; // not on this kernel
      const labels: Array<[string, string]> = [];
      if (labelNetns) labels.push(["netns", set.netns ? nsLabel(set.netns) : ""]);
      for (const [k, v] of Object.entries(def.labels ?? {})) labels.push([k, v]);
      let entry = byMetric.get(def.metric);
      if (!entry) byMetric.set(def.metric, (entry = { type: def.type, help: def.help, samples: [] }));
      entry.samples.push(sample(def.metric, labels, value));
    }
  }
  for (const [name, { type, help, samples }] of byMetric) yield* family(name, type, help, samples);
}

/** --detailed: one info series per socket, and the queues of connected ones in bytes. */
function* detailedFamilies(records: readonly SocketRecord[], labelNetns: boolean): Iterable<string> {
  const identity = (r: SocketRecord): Labels => [
    ...(labelNetns ? ([["netns", r.netns ? nsLabel(r.netns) : ""]] as const) : []),
    ["proto", r.proto],
    ["family", r.family],
    ["local_address", r.localAddress],
    ["local_port", String(r.localPort)],
    ["remote_address", r.remoteAddress ?? ""],
    ["remote_port", r.remotePort === null ? "" : String(r.remotePort)],
    ["inode", r.inode === null ? "" : String(r.inode)],
  ];
  const info = records.map((r) =>
    sample(
      "tcpstat_socket_info",
      [...identity(r), ["state", stateOf(r)], ["pid", r.pid === null ? "" : String(r.pid)], ["process", r.process ?? ""]],
      1,
    ),
  );
  yield* family("tcpstat_socket_info", "gauge", "One series per socket (--detailed), always 1; its state and owner are labels.", info);
  // A listener's queues count connections waiting for accept(), not bytes: left out here.
  const queued = records.filter((r) => r.state !== "LISTEN");
  const bytes = (name: string, pick: (r: SocketRecord) => number | null) =>
    queued.flatMap((r) => (pick(r) === null ? [] : [sample(name, identity(r), pick(r)!)]));
  yield* family(
    "tcpstat_socket_receive_queue_bytes",
    "gauge",
    "Bytes received and not yet read by the application, per socket (--detailed; Recv-Q).",
    bytes("tcpstat_socket_receive_queue_bytes", (r) => r.recvQ),
  );
  yield* family(
    "tcpstat_socket_send_queue_bytes",
    "gauge",
    "Bytes waiting in the send queue (TCP: not yet acknowledged by the peer), per socket (--detailed; Send-Q).",
    bytes("tcpstat_socket_send_queue_bytes", (r) => r.sendQ),
  );
}
