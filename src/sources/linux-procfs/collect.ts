import { join } from "node:path";
import type { Owner, SocketRecord } from "../../model/socket.js";
import { setOwners } from "../../lib/owners.js";
import { scanInodeOwners, type OwnerAnswer } from "./inode-owners.js";
import { startOwnerScan } from "./owner-scan.js";
import { readTables, readTablesAhead, readUsers, type CollectResult, type LinuxCollectOptions } from "./read-tables.js";
import { OVERLAP_FROM, countTcpSockets } from "./head-start.js";

/** A holder's systemd unit and container, as --who reads them from its cgroup. */
export type HolderWhere = Pick<Owner, "unit" | "container">;

/** What a run says when some processes' descriptors could not be read (also top's holder scan). */
export const deniedNotice = (denied: number) =>
  process.getuid?.() === 0
    ? `not all processes could be identified: the /proc/PID/fd of ${denied} process(es) cannot be read, even by root (a security module or another user namespace).`
    : `not all processes could be identified: ${denied} process(es) hide their sockets from this user; run as root to see every owner.`;

/**
 * The holders an owner scan's answer gives one inode: `n` (pid, fd) pairs from flat[at], each
 * with its process name and user. Every user of an answer makes its holders here.
 *
 * `where`: each holder's unit and container, by pid (top's holder cache reads them).
 *
 * `exact`: the array made of its size at once (new Array(n)), for top, which keeps one a socket
 * refresh after refresh: a pushed array keeps room for more (at 100k sockets 20 MB of holder
 * arrays against 10). A listing, which makes them once, keeps pushing: measured the other way
 * its peak rose by 15 MB at 100k sockets (BENCHMARKS.md, issue 18, fifth pass).
 */
export function answerOwners(answer: OwnerAnswer, users: ReadonlyMap<number, string>, n: number, at: number, exact = false, where?: ReadonlyMap<number, HolderWhere>): Owner[] {
  const { flat, names } = answer;
  const owners: Owner[] = exact ? new Array<Owner>(n) : [];
  for (let k = 0; k < n; k++, at += 2) {
    const pid = flat[at]!;
    const process = names.get(pid) ?? "";
    const user = holderUser(answer, users, pid);
    const fd = flat[at + 1]!;
    const w = where?.get(pid);
    // Each written out whole: a spread of the unit and container onto a holder gave each
    // holder a hidden class of its own (at 100k sockets 25 MB of V8's maps; BENCHMARKS.md).
    const holder: Owner = w ? { pid, process, user, fd, unit: w.unit ?? null, container: w.container ?? null } : { pid, process, user, fd };
    if (exact) owners[k] = holder;
    else owners.push(holder);
  }
  return owners;
}

/** A holder's user as an answer gives it: named from passwd, else the uid as text, null when unknown. */
export function holderUser(answer: OwnerAnswer, users: ReadonlyMap<number, string>, pid: number): string | null {
  const uid = answer.uids.get(pid) ?? -1;
  return uid < 0 ? null : (users.get(uid) ?? String(uid));
}

/**
 * Gives each socket its holders from an owner scan's answer (answer.counts[i] holders for
 * sockets[i]); returns how many sockets have one. Users are named from passwd once a uid.
 */
export function applyOwners(sockets: readonly SocketRecord[], answer: OwnerAnswer, users: ReadonlyMap<number, string>): number {
  const { counts } = answer;
  let at = 0;
  let found = 0;
  for (let i = 0; i < sockets.length; i++) {
    const n = counts[i]!;
    if (n === 0) continue;
    setOwners(sockets[i]!, answerOwners(answer, users, n, at));
    at += 2 * n;
    found++;
  }
  return found;
}

/** Finds the holders of the records in one /proc/<pid>/fd scan, in this thread; returns the notices to give. */
export function attachOwners(records: readonly SocketRecord[], procRoot: string, etcRoot = "/etc"): string[] {
  const sockets = records.filter((r) => r.inode !== null);
  const answer = scanInodeOwners(procRoot, Float64Array.from(sockets, (r) => r.inode!));
  const found = applyOwners(sockets, answer, readUsers(etcRoot));
  return answer.denied > 0 && found < sockets.length ? [deniedNotice(answer.denied)] : [];
}

/** Reads the tables, then (when asked) scans for owners, all in this thread. */
export function collectLinux(options: LinuxCollectOptions): CollectResult {
  const result = readTables(options);
  if (!options.owners) return result;
  const { procRoot = "/proc" } = options;
  result.notices.push(...attachOwners(result.records, procRoot, options.etcRoot));
  return result;
}

/**
 * The live path of `tcpstat`: the same result as collectLinux, with the owner scan started
 * first in a worker thread so that it runs while this thread reads and parses the tables.
 */
export async function collectLinuxOverlapped(options: LinuxCollectOptions): Promise<CollectResult> {
  // Without owners the reading is most of the work: on a big table, a thread reads ahead.
  // (The bin may have counted already: then /proc/net/sockstat is not read again.)
  if (!options.owners) return countTcpSockets(options.procRoot ?? "/proc") >= OVERLAP_FROM ? readTablesAhead(options) : readTables(options);
  // Owners are matched to records once all are read: those are returned whole.
  options = { ...options, onRecord: undefined, onRow: undefined };
  const { procRoot = "/proc" } = options;
  // A thread is slow to start (BENCHMARKS.md, issue 15): on a small table, scanning here is sooner.
  if (countTcpSockets(procRoot) < OVERLAP_FROM) return collectLinux(options);
  const scan = await startOwnerScan(procRoot, options.onHolders);
  const result = readTables(options);
  const sockets = result.records.filter((r) => r.inode !== null);
  const answer = await scan.finish(Float64Array.from(sockets, (r) => r.inode!));
  const found = applyOwners(sockets, answer, readUsers(options.etcRoot ?? "/etc"));
  if (answer.denied > 0 && found < sockets.length) result.notices.push(deniedNotice(answer.denied));
  return result;
}
