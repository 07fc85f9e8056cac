import { readFile } from "node:fs/promises";
import type { Finding } from "../../model/report.js";
import type { NetnsTag, SocketRecord, TcpInfo } from "../../model/socket.js";
import type { SsFields } from "../../sources/linux-ss/parse-ss-fields.js";
import type { SocketFilter } from "../../lib/filter.js";
import type { RecordReuse } from "../../lib/record-reuse.js";
import { filterNeedsOwners } from "../../lib/filter.js";
import { loadReport } from "../../load/load-report.js";
import { toSocketFilter } from "../../load/socket-filter.js";
import { sayRemarks } from "../../load/remarks.js";
import type { SourceFlags } from "../../load/source-options.js";
import { hasSs } from "../../sources/linux-ss/collect-info.js";
import type { PortPair } from "../../sources/linux-ss/collect-info-of.js";
import type { SsInfoStore } from "../../sources/linux-ss/parse-ss-info.js";
import { joinReadings, type Places } from "./places.js";
import { turn } from "./turn.js";
import type { InfoReading } from "./rates.js";
import type { Details, TopRow } from "./view.js";

/**
 * What `top` reads, apart from the drawing: the sockets each refresh (their holders from the
 * holder cache, holder-cache.ts, unless the flags need them in the reading itself); tcp_info
 * by ss, of the rows on screen each refresh and of every socket at a slower pace (session.ts);
 * command lines, doctor's findings and the row's tcp_info when a details panel opens.
 */
export interface Reading {
  records: SocketRecord[];
  costMs: number;
}

/**
 * Where holders come from: none (--no-owners), the reading itself (a --pid or --process
 * filter, --container or --unit: the filter needs them to select), or the holder cache.
 */
export type HolderMode = "off" | "inline" | "cached";

/** The filter of a session's flags, built at its first reading only. */
const filters = new WeakMap<SourceFlags, SocketFilter>();
const filterOf = (flags: SourceFlags): SocketFilter => {
  let filter = filters.get(flags);
  if (!filter) filters.set(flags, (filter = toSocketFilter(flags)));
  return filter;
};

export function holderMode(flags: SourceFlags): HolderMode {
  const filter = filterOf(flags);
  if (filterNeedsOwners(filter) || filter.containers || filter.units) return "inline";
  return flags.owners === false ? "off" : "cached";
}

/**
 * The sockets now: a row unchanged since the last reading gives its record again (`reuse`,
 * lib/record-reuse.ts), so a steady table costs no new objects.
 */
export async function readSockets(flags: SourceFlags, first: boolean, reuse: RecordReuse): Promise<Reading> {
  const started = performance.now();
  reuse.begin();
  // Notices of the first reading are said once (on the normal screen, before the alternate one).
  // Holders read with the sockets (a filter on them) come with their unit and container, as the cache's do.
  const inline = holderMode(flags) === "inline";
  // A turn of the event loop between pieces of a big table (about 1,700 rows each), read ahead
  // or parsed: in one go, the tables held keys for 70-150 ms at 100k (BENCHMARKS.md, issue 20).
  const options = { owners: inline, who: inline ? ("cgroup" as const) : undefined, onRow: reuse.row, onRecord: reuse.record, pace: turn };
  await loadReport({ ...flags, quiet: flags.quiet || !first }, options, filterOf(flags));
  return { records: reuse.end(), costMs: performance.now() - started };
}

/** Why tcp_info cannot be read (ss missing), or null: then bytes/s show "-" all along. */
export function tcpInfoMissing(): string | null {
  return hasSs() ? null : "tcp_info could not be read: ss (iproute2) was not found; Sent/s and Recv/s show \"-\" (install iproute2 for them)";
}

/** A row whose tcp_info is worth asking: its ports, and its namespace (--container reads every one). */
export interface InfoPair extends PortPair {
  netns?: NetnsTag;
}

/** The local and remote ports of the rows whose tcp_info is worth asking (connected TCP, not TIME_WAIT). */
export function infoPairs(rows: readonly TopRow[]): InfoPair[] {
  const pairs: InfoPair[] = [];
  for (const { record: r, mark } of rows)
    if (mark !== "gone" && r.proto === "tcp" && r.remotePort !== null && r.remotePort !== 0 && r.state !== "LISTEN" && r.state !== "TIME_WAIT" && r.inode)
      pairs.push(r.netns === undefined ? { localPort: r.localPort, remotePort: r.remotePort } : { localPort: r.localPort, remotePort: r.remotePort, netns: r.netns });
  return pairs;
}

/**
 * tcp_info of these rows (a filtered ss in each namespace they are in), with the time it was
 * read: the middle of the run. A namespace no process enters any more gives nothing.
 */
export async function readInfoOf(pairs: readonly InfoPair[], places: Places): Promise<{ store: InfoReading; time: number }> {
  const { collectTcpInfoOf } = await import("../../sources/linux-ss/collect-info-of.js");
  const started = Date.now();
  const byNetns = new Map<number | undefined, InfoPair[]>();
  for (const p of pairs) {
    const key = places.here(p.netns) ? undefined : p.netns!.inode;
    const group = byNetns.get(key);
    if (group) group.push(p);
    else byNetns.set(key, [p]);
  }
  const readings = await Promise.all(
    [...byNetns.values()].map((group) => {
      const runners = places.runners(group[0]!.netns);
      return runners === null ? null : collectTcpInfoOf(group, runners && { lines: runners.lines });
    }),
  );
  const store = joinReadings(readings.filter((r): r is SsInfoStore => r !== null));
  return { store, time: (started + Date.now()) / 2 };
}

/** `say` once: remarks on stderr before the screen is taken. */
export const sayFirst = (notices: string[], quiet: boolean | undefined) => sayRemarks({ notices, problems: [] }, quiet);

async function commandLine(pid: number): Promise<string | null> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, "latin1");
    return raw.replace(/\0+$/, "").replace(/\0/g, " ");
  } catch {
    return null;
  }
}

/** Every holder with its command line, and the doctor findings that touch this connection. */
export async function readDetails(row: TopRow, records: readonly SocketRecord[], withInfo: boolean, places: Places): Promise<Details> {
  const r = row.record;
  const pairs = withInfo ? infoPairs([row]) : [];
  const ss = pairs.length === 0 ? null : readSsLine(pairs[0]!, r.inode!, places).catch(() => null);
  const owners = r.owners ?? (r.pid === null ? [] : [{ pid: r.pid, process: r.process, user: r.user, fd: null }]);
  const holders = await Promise.all(owners.map(async (o) => ({ pid: o.pid, process: o.process, user: o.user, fd: o.fd, commandLine: await commandLine(o.pid) })));
  let findings: string[] = [];
  let findingsNote: string | null = null;
  try {
    const { diagnose } = await import("../../knowledge/diagnose.js");
    const { defaultThresholds } = await import("../../knowledge/thresholds.js");
    const { readNetSysctls } = await import("../../sources/linux-procfs/read-counters.js");
    const all = diagnose({ records, before: null, after: null, intervalSeconds: 0, sysctls: readNetSysctls(), thresholds: defaultThresholds() });
    findings = all.filter((f) => touches(f, r)).map((f) => `${f.severity}: ${f.title} - ${f.fix}`);
    findingsNote = "socket rules only here; tcpstat doctor also reads the kernel's counters over an interval";
  } catch (error) {
    findingsNote = `doctor could not run: ${(error as Error).message}`;
  }
  const line = await ss;
  return { holders, findings, findingsNote, info: line?.info ?? null, ssFields: line?.fields ?? null };
}

/**
 * ss's line for one connection (in its namespace), as the model reads it and every field as ss
 * names it (parse-ss-fields.ts); null when ss gives none for this inode (gone, or no tcp_info).
 */
async function readSsLine(pair: InfoPair, inode: number, places: Places): Promise<{ info: TcpInfo | null; fields: SsFields["fields"] } | null> {
  const runners = places.runners(pair.netns);
  if (runners === null) return null;
  const [{ execLines }, { collectTcpInfoOf }, { parseSsFields }] = await Promise.all([
    import("../../lib/exec.js"),
    import("../../sources/linux-ss/collect-info-of.js"),
    import("../../sources/linux-ss/parse-ss-fields.js"),
  ]);
  // The filtered ss of the rows on screen, its line of this inode kept as well.
  const mark = `ino:${inode} `;
  const found: string[] = [];
  const run = runners?.lines ?? execLines;
  const store = await collectTcpInfoOf([pair], { lines: (cmd, args, onLine, o) => run(cmd, args, (line) => (line.includes(mark) && found.push(line), onLine(line)), o) });
  if (found.length === 0) return null;
  return { info: store.get(inode) ?? null, fields: parseSsFields(found[0]!).fields };
}

/** A finding touches a connection when it names its process, or its port and (if it names one) its state. */
function touches(f: Finding, r: SocketRecord): boolean {
  if (f.state !== null && r.state !== f.state) return false;
  if (f.pid !== null && r.owners?.some((o) => o.pid === f.pid)) return true;
  if (f.pid !== null && r.pid === f.pid) return true;
  if (f.port !== null && (f.port === r.localPort || f.port === r.remotePort)) return true;
  return f.pid === null && f.port === null && f.state !== null;
}
