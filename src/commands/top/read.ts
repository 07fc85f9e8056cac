import { readFile } from "node:fs/promises";
import type { Finding } from "../../model/report.js";
import type { SocketRecord, TcpInfo } from "../../model/socket.js";
import type { SocketFilter } from "../../lib/filter.js";
import { loadReport } from "../../load/load-report.js";
import { toSocketFilter } from "../../load/socket-filter.js";
import { sayRemarks } from "../../load/remarks.js";
import type { SourceFlags } from "../../load/source-options.js";
import type { Details, TopRow } from "./view.js";

/**
 * What `top` reads, apart from the drawing: the sockets (with their holders) and tcp_info
 * (one `ss -tinHOe`, joined by inode) each refresh; command lines and doctor's findings when a
 * details panel opens.
 */
export interface Reading {
  records: SocketRecord[];
  info: { get(inode: number): TcpInfo | undefined } | null;
  /** Said once (ss missing): the bytes/s columns then show "-". */
  notices: string[];
  costMs: number;
}

/** The filter of a session's flags, built at its first reading only. */
const filters = new WeakMap<SourceFlags, SocketFilter>();

export async function readSockets(flags: SourceFlags, first: boolean): Promise<Reading> {
  let filter = filters.get(flags);
  if (!filter) filters.set(flags, (filter = toSocketFilter(flags)));
  const started = performance.now();
  const { collectTcpInfo } = await import("../../sources/linux-ss/collect-info.js");
  // Notices of the first reading are said once (on the normal screen, before the alternate one).
  const [report, info] = await Promise.all([
    loadReport({ ...flags, quiet: flags.quiet || !first }, { owners: flags.owners !== false }, filter),
    collectTcpInfo().catch((error: Error) => ({ byInode: null, notices: [`tcp_info could not be read: ${error.message}`], problems: [] })),
  ]);
  const fromSs = info.byInode !== null && info.notices.length === 0;
  return { records: report.records, info: fromSs ? info.byInode : null, notices: info.notices, costMs: performance.now() - started };
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
export async function readDetails(row: TopRow, records: readonly SocketRecord[]): Promise<Details> {
  const r = row.record;
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
  return { holders, findings, findingsNote };
}

/** A finding touches a connection when it names its process, or its port and (if it names one) its state. */
function touches(f: Finding, r: SocketRecord): boolean {
  if (f.state !== null && r.state !== f.state) return false;
  if (f.pid !== null && r.owners?.some((o) => o.pid === f.pid)) return true;
  if (f.pid !== null && r.pid === f.pid) return true;
  if (f.port !== null && (f.port === r.localPort || f.port === r.remotePort)) return true;
  return f.pid === null && f.port === null && f.state !== null;
}
