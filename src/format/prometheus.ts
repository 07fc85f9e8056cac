import { containerLabel, shownHolder } from "../lib/owners.js";
import { escapeControl } from "../lib/safe-text.js";
import type { Family, NetnsTag, Proto, SocketRecord } from "../model/socket.js";
import { TCP_STATES, type TcpState } from "../model/state.js";
import { ephemeralUse, rangeSize } from "../knowledge/ephemeral.js";
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
  /** Processes with their own series; the rest are summed in one series labelled rest="true". Default 10. */
  top?: number;
  /** Whether owners were resolved; without them the per-process family is left out. */
  owners?: boolean;
  /** One series per socket (tcpstat serve --detailed). */
  detailed?: boolean;
  /**
   * net.ipv4.ip_local_port_range of the namespace read; absent when unknown (another
   * namespace, a replayed capture): the ephemeral-port families are then left out.
   */
  ephemeralRange?: readonly [number, number];
  /**
   * Process names and pids in the series (tcpstat_process_sockets, the process label of
   * tcpstat_port_sockets, and the pid and process labels of --detailed). Default true; serve
   * leaves them out unless --process-labels: a local user scraping root's serve would see
   * owners `ss -p` hides from them (issue 22).
   */
  processLabels?: boolean;
  /**
   * tcpstat_container_sockets and tcpstat_unit_sockets, from each socket's shown holder (records
   * read with --who): the `top` containers and units with most sockets, the rest in rest="true".
   */
  who?: boolean;
}

/** Ports with their own tcpstat_port_sockets series; the rest are summed as port="other". */
export const TOP_PORTS = 20;

export const DEFAULT_TOP = 10;
/** The Content-Type of the text exposition format this file renders, which serve sends with it. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
const UDP_STATES = ["UNCONN", "ESTABLISHED"] as const;

export type Labels = ReadonlyArray<readonly [string, string]>;

/**
 * Label values escape backslash, double quote and newline (exposition format spec); every
 * other control character (a process named "\x1b[2J", a zone of a replayed address) is
 * written as a visible escape first, so the value read back is the text "\x1b[2J", never the
 * character (issue 22).
 */
const LABEL_ESCAPED = /[\\"\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const escapeLabelValue = (value: string): string =>
  value.replace(LABEL_ESCAPED, (ch) => (ch === "\n" ? "\\n" : ch === "\\" || ch === '"' ? `\\${ch}` : `\\${escapeControl(ch)}`));

/** HELP text escapes backslash and newline only. */
const escapeHelp = (text: string): string => text.replace(/[\\\n]/g, (ch) => (ch === "\n" ? "\\n" : "\\\\"));

/** Go's float formatting as Prometheus parses it: integers plain, others shortest round-trip. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

export function sample(name: string, labels: Labels, value: number): string {
  const body = labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",");
  return `${name}${body ? `{${body}}` : ""} ${formatValue(value)}\n`;
}

export function* family(name: string, type: "gauge" | "counter" | "histogram", help: string, samples: Iterable<string>): Iterable<string> {
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
    // Names too: rest="true" and process="true" are two series.
    const key = labels.map(([k, v]) => `${k}=${v}`).join("\u0000");
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

  const processLabels = input.processLabels !== false;
  const top = input.top ?? DEFAULT_TOP;
  const shownProcesses = input.owners !== false && processLabels ? topProcesses(records, top, recordNs) : null;
  if (shownProcesses) yield* processFamily(shownProcesses);
  if (input.who) yield* whoFamilies(records, top, recordNs);
  yield* portFamily(records, shownProcesses, recordNs);
  if (input.ephemeralRange && !labelNetns) yield* ephemeralFamilies(records, input.ephemeralRange);

  yield* kernelFamilies(input.counters ?? [], labelNetns);

  if (input.detailed) yield* detailedFamilies(records, labelNetns, processLabels);

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

interface ShownProcesses {
  /** Socket counts of the processes with their own series, most first (per namespace with --netns). */
  shown: ReadonlyArray<{ netns: string | null; name: string; n: number }>;
  /** Sockets of every other named process, or null when there are none. */
  rest: number | null;
  top: number;
}

/**
 * The top N owning process names by socket count (ties by name); the rest are summed. With
 * --netns, per namespace first: a process name in two namespaces is two programs.
 */
function topProcesses(records: readonly SocketRecord[], top: number, netnsOf: (r: SocketRecord) => string | null): ShownProcesses {
  return topBy(records, top, netnsOf, (r) => (r.pid === null ? null : r.process));
}

/** The top N values of `nameOf` by socket count (ties by name, then namespace); sockets with no value are left out. */
function topBy(records: readonly SocketRecord[], top: number, netnsOf: (r: SocketRecord) => string | null, nameOf: (r: SocketRecord) => string | null): ShownProcesses {
  const byName = new Map<string, { netns: string | null; name: string; n: number }>();
  for (const r of records) {
    const name = nameOf(r);
    if (name === null) continue;
    const netns = netnsOf(r);
    const key = `${netns ?? ""}\0${name}`;
    const entry = byName.get(key);
    if (entry) entry.n++;
    else byName.set(key, { netns, name, n: 1 });
  }
  const ranked = [...byName.values()].sort((a, b) => b.n - a.n || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || ((a.netns ?? "") < (b.netns ?? "") ? -1 : 1));
  const rest = ranked.length > top ? ranked.slice(top).reduce((sum, { n }) => sum + n, 0) : null;
  return { shown: ranked.slice(0, top), rest, top };
}

/** Sockets by owning process: the top N names by count (ties by name), the rest in a series labelled rest="true". */
function* processFamily({ shown, rest, top }: ShownProcesses): Iterable<string> {
  const labels = (netns: string | null, name: string): Labels => [...(netns === null ? [] : ([["netns", netns]] as Labels)), ["process", name]];
  const samples = shown.map(({ netns, name, n }) => sample("tcpstat_process_sockets", labels(netns, name), n));
  if (rest !== null) samples.push(sample("tcpstat_process_sockets", [["rest", "true"]], rest));
  yield* family(
    "tcpstat_process_sockets",
    "gauge",
    `Sockets by owning process name (where known): the ${top} with most sockets, the rest summed in one series labelled rest="true" (no process label, so no process name can give two series the same labels). A socket several processes hold counts once, under the one shown.`,
    samples,
  );
}

/** The shown holder's container (--who) as its label; as summary --by container. */
const containerOf = (r: SocketRecord): string | null => {
  const c = shownHolder(r)?.container;
  return c ? containerLabel(c) : null;
};

/**
 * Sockets by container and by systemd unit (--who), bounded as processes are: the `top` with most
 * sockets get their own series, the rest one series labelled rest="true"; sockets outside any
 * container (or unit) are not counted.
 */
function* whoFamilies(records: readonly SocketRecord[], top: number, recordNs: (r: SocketRecord) => string | null): Iterable<string> {
  const kinds = [
    ["tcpstat_container_sockets", "container", containerOf, "Sockets by container (Docker/Podman name, Kubernetes container name, LXC name; else the id's first 12 digits) of the holder shown"],
    ["tcpstat_unit_sockets", "unit", (r: SocketRecord) => shownHolder(r)?.unit ?? null, "Sockets by the systemd unit (service, scope, slice) of the holder shown"],
  ] as const;
  for (const [name, label, nameOf, help] of kinds) {
    const { shown, rest } = topBy(records, top, recordNs, nameOf);
    const labels = (netns: string | null, value: string): Labels => [...(netns === null ? [] : ([["netns", netns]] as Labels)), [label, value]];
    const samples = shown.map(({ netns, name: value, n }) => sample(name, labels(netns, value), n));
    if (rest !== null) samples.push(sample(name, [["rest", "true"]], rest));
    yield* family(name, "gauge", `${help}: the ${top} with most sockets, the rest summed in one series labelled rest="true".`, samples);
  }
}

/**
 * TCP connections (every state but LISTEN) by state and by the port they belong to: a local
 * port something listens on (side="local": this host serves it), else the peer's port
 * (side="remote": this host is the client). The ports with most sockets get their own series,
 * the rest port="other", so the count of series stays bounded whatever the traffic:
 *
 *   tcpstat_port_sockets{side="local",port="8080",state="CLOSE_WAIT",process="app"} 12
 *
 * With owners, `process` names the holder when it is one of the top processes; the others'
 * sockets are summed under rest="true" with no process label, as in tcpstat_process_sockets,
 * so a process named "other" stays apart (issue 22). Sockets no program holds (TIME_WAIT,
 * SYN_RECV, orphans) on a listening port get the listener's process, as doctor names the
 * server behind a port; process="" where no one is known. Only non-zero series.
 *
 *   tcpstat_port_sockets{side="local",port="8080",state="ESTABLISHED",rest="true"} 3
 */
function* portFamily(records: readonly SocketRecord[], processes: ShownProcesses | null, recordNs: (r: SocketRecord) => string | null): Iterable<string> {
  const key = (r: SocketRecord, port: number) => `${recordNs(r) ?? ""}|${port}`;
  const listeners = new Map<string, SocketRecord>();
  for (const r of records) {
    if (r.proto !== "tcp" || r.state !== "LISTEN") continue;
    const held = listeners.get(key(r, r.localPort));
    if (!held || (held.pid === null && r.pid !== null)) listeners.set(key(r, r.localPort), r);
  }
  const shown = new Set(processes?.shown.map(({ name }) => name));
  /** The process label, or null for a holder outside the top processes (rest="true"). */
  const processOf = (r: SocketRecord, listener: SocketRecord | undefined): string | null => {
    const owner = r.pid !== null ? r : listener;
    const name = owner?.pid != null ? owner.process : null;
    return name === null ? "" : shown.has(name) ? name : null;
  };
  const rows: Array<{ r: SocketRecord; side: "local" | "remote"; port: number; process: string | null }> = [];
  const perPort = new Map<string, number>();
  for (const r of records) {
    if (r.proto !== "tcp" || r.state === "LISTEN" || r.state === null) continue;
    const listener = listeners.get(key(r, r.localPort));
    const side = listener ? "local" : "remote";
    const port = listener ? r.localPort : r.remotePort;
    if (port === null) continue;
    rows.push({ r, side, port, process: processes ? processOf(r, listener) : "" });
    const portKey = `${side}|${port}`;
    perPort.set(portKey, (perPort.get(portKey) ?? 0) + 1);
  }
  const topPorts = new Set(
    [...perPort]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, TOP_PORTS)
      .map(([k]) => k),
  );
  const counter = new Counter();
  for (const { r, side, port, process } of rows) {
    const ns = recordNs(r);
    counter.add([
      ...(ns === null ? [] : ([["netns", ns]] as const)),
      ["side", side],
      ["port", topPorts.has(`${side}|${port}`) ? String(port) : "other"],
      ["state", r.state!],
      ...(processes ? [process === null ? (["rest", "true"] as const) : (["process", process] as const)] : []),
    ]);
  }
  yield* family(
    "tcpstat_port_sockets",
    "gauge",
    `TCP connections by state and port: side="local" for a port this host listens on, "remote" for the peer's port; the ${TOP_PORTS} busiest ports have their own series, the rest port="other". With owners, process names the holder among the top processes, the others' sockets are summed under rest="true" (no process label).`,
    counter.samples("tcpstat_port_sockets"),
  );
}

/** The ephemeral port range and doctor's per-destination use of it (knowledge/ephemeral.ts). */
function* ephemeralFamilies(records: readonly SocketRecord[], range: readonly [number, number]): Iterable<string> {
  let most = 0;
  for (const { used } of ephemeralUse(records, range).values()) if (used > most) most = used;
  yield* family(
    "tcpstat_ephemeral_port_range_size",
    "gauge",
    "Ports in net.ipv4.ip_local_port_range, the local ports outgoing connections are given.",
    [sample("tcpstat_ephemeral_port_range_size", [], rangeSize(range))],
  );
  yield* family(
    "tcpstat_ephemeral_ports_used_max",
    "gauge",
    "The most local ports of the ephemeral range in use toward one destination (address and port), any TCP state but LISTEN.",
    [sample("tcpstat_ephemeral_ports_used_max", [], most)],
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
function* detailedFamilies(records: readonly SocketRecord[], labelNetns: boolean, processLabels: boolean): Iterable<string> {
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
      processLabels
        ? [...identity(r), ["state", stateOf(r)], ["pid", r.pid === null ? "" : String(r.pid)], ["process", r.process ?? ""]]
        : [...identity(r), ["state", stateOf(r)]],
      1,
    ),
  );
  yield* family("tcpstat_socket_info", "gauge", "One series per socket (--detailed), always 1; its state (and with --process-labels its owner) are labels.", info);
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
