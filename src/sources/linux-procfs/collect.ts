import { join } from "node:path";
import type { Family, Problem, Proto, SocketRecord } from "../../model/socket.js";
import { netnsLink, scanInodeOwners } from "./inode-owners.js";
import { startOwnerScan } from "./owner-scan.js";
import type { RecordSinks } from "../record-sinks.js";
import { readTables, readTablesAhead } from "./read-tables.js";
import { OVERLAP_FROM, socketCount } from "./socket-count.js";

/** The sinks (RecordSinks) apply without owners only: owners are matched once all records are read. */
export interface LinuxCollectOptions extends RecordSinks {
  protos: readonly Proto[];
  families: readonly Family[];
  /** Resolve owning processes through /proc/<pid>/fd (costly on big machines). */
  owners: boolean;
  /** Seams for tests: where /proc and /etc live. */
  procRoot?: string;
  etcRoot?: string;
  /** Directory holding tcp, tcp6, udp, udp6: default <procRoot>/net; /proc/<pid>/net reads another namespace's tables. */
  netRoot?: string;
}

export interface CollectResult {
  records: SocketRecord[];
  problems: Problem[];
  /** One-line notices for stderr, e.g. owners that could not be read. */
  notices: string[];
}

const inodesOf = (records: readonly SocketRecord[]) => {
  const inodes = new Set<number>();
  for (const r of records) if (r.inode !== null) inodes.add(r.inode);
  return inodes;
};

const notice = (denied: number) =>
  `not all processes could be identified: ${denied} process(es) hide their sockets from this user; run as root to see every owner.`;

/**
 * Finds the owners of the records in one /proc/<pid>/fd scan, in this thread, scanning the
 * processes of `firstNetns` first (see scanInodeOwners); returns the notices to give.
 */
export function attachOwners(records: readonly SocketRecord[], procRoot: string, firstNetns: string | null = null): string[] {
  const wanted = inodesOf(records);
  const { owners, denied } = scanInodeOwners(procRoot, wanted, firstNetns);
  for (const r of records) {
    const owner = r.inode === null ? undefined : owners.get(r.inode);
    if (owner) {
      r.pid = owner.pid;
      r.process = owner.process;
    }
  }
  return denied > 0 && owners.size < wanted.size ? [notice(denied)] : [];
}

/** Reads the tables, then (when asked) scans for owners, all in this thread. */
export function collectLinux(options: LinuxCollectOptions): CollectResult {
  const result = readTables(options);
  if (!options.owners) return result;
  const { procRoot = "/proc" } = options;
  result.notices.push(...attachOwners(result.records, procRoot, netnsLink(procRoot, "self")));
  return result;
}

/**
 * The live path of `tcpstat`: the same result as collectLinux, with the owner scan started
 * first in a worker thread so that it runs while this thread reads and parses the tables.
 */
export async function collectLinuxOverlapped(options: LinuxCollectOptions): Promise<CollectResult> {
  // Without owners the reading is most of the work: on a big table, a thread reads ahead.
  // (The bin may have counted already: then /proc/net/sockstat is not read again.)
  if (!options.owners) return socketCount(options.procRoot ?? "/proc") >= OVERLAP_FROM ? readTablesAhead(options) : readTables(options);
  // Owners are matched to records once all are read: those are returned whole.
  options = { ...options, onRecord: undefined, onRow: undefined };
  const { procRoot = "/proc" } = options;
  // A thread takes some 20 ms to start: on a small table, scanning here is done sooner.
  if (socketCount(procRoot) < OVERLAP_FROM) return collectLinux(options);
  const scan = await startOwnerScan(procRoot);
  const result = readTables(options);
  const sockets = result.records.filter((r) => r.inode !== null);
  const { pids, names, denied } = await scan.finish(Float64Array.from(sockets, (r) => r.inode!));
  let found = 0;
  sockets.forEach((r, i) => {
    if (pids[i] === 0) return;
    r.pid = pids[i]!;
    r.process = names.get(r.pid) ?? "";
    found++;
  });
  if (denied > 0 && found < sockets.length) result.notices.push(notice(denied));
  return result;
}
