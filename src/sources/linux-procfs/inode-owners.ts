import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/**
 * Maps socket inodes to the process holding them, like `netstat -p` and `ss -p`:
 * every /proc/<pid>/fd/<n> that links to "socket:[<inode>]" names an owner,
 * and /proc/<pid>/comm names the process.
 *
 * This is the costly part of a listing (one readlink per open descriptor on the machine,
 * about 5 µs each), so the scan stops as soon as every wanted inode is found, and it can
 * start before the wanted set is known (see owner-scan.ts, which runs it in a worker thread).
 * Processes that exit mid-scan (ENOENT, ESRCH) are skipped; EACCES is counted.
 * When several processes share a socket (after fork), the first one scanned wins: the
 * lowest pid, among the processes of the namespace given as `firstNetns` first.
 */

export interface Owner {
  pid: number;
  process: string;
}

export interface OwnerScan {
  owners: Map<number, Owner>;
  /** Processes whose fd table we were not allowed to read (not root). */
  denied: number;
}

const SOCKET_PREFIX = "socket:[";

/** The namespace link of a process, e.g. "net:[4026531840]", or null when hidden or gone. */
export function netnsLink(procRoot: string, pid: number | "self"): string | null {
  try {
    return readlinkSync(`${procRoot}/${pid}/ns/net`);
  } catch {
    return null;
  }
}

/**
 * Pids under procRoot, lowest first. With `firstNetns`, the processes in that network
 * namespace come first: they hold its sockets, so the scan usually ends before the others.
 */
export function listPids(procRoot: string, firstNetns: string | null = null): number[] {
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return [];
  }
  const pids = entries.filter((e) => e.charCodeAt(0) >= 0x30 && e.charCodeAt(0) <= 0x39).map(Number);
  pids.sort((a, b) => a - b);
  if (firstNetns === null) return pids;
  const inside: number[] = [];
  const outside: number[] = [];
  for (const pid of pids) (netnsLink(procRoot, pid) === firstNetns ? inside : outside).push(pid);
  return inside.concat(outside);
}

/** The inode in "socket:[12345]", or -1 for any other link (pipes, files, anon inodes). */
function socketInode(target: string): number {
  if (!target.startsWith(SOCKET_PREFIX)) return -1;
  let inode = 0;
  for (let i = SOCKET_PREFIX.length; i < target.length - 1; i++) inode = inode * 10 + target.charCodeAt(i) - 0x30;
  return inode;
}

/**
 * Walks the fd tables of processes one at a time, remembering the first process that holds
 * each socket. Until `want()` is called it remembers every socket; after, only wanted ones.
 */
export class FdScanner {
  /** Socket inode -> pid of the first process seen holding it. */
  readonly holders = new Map<number, number>();
  denied = 0;
  private wanted: ReadonlySet<number> | null = null;
  private missing = 0;

  constructor(private readonly procRoot: string) {}

  /** Narrows the scan (and what it found so far) to these inodes; `done` turns true once all are found. */
  want(wanted: ReadonlySet<number>): void {
    this.wanted = wanted;
    for (const inode of this.holders.keys()) if (!wanted.has(inode)) this.holders.delete(inode);
    this.missing = wanted.size - this.holders.size;
  }

  get done(): boolean {
    return this.wanted !== null && this.missing === 0;
  }

  scanPid(pid: number): void {
    const fdDir = `${this.procRoot}/${pid}/fd`;
    let fds: string[];
    try {
      fds = readdirSync(fdDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EACCES") this.denied++;
      return;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${fdDir}/${fd}`);
      } catch {
        continue; // fd closed or process gone
      }
      const inode = socketInode(target);
      if (inode < 0 || this.holders.has(inode)) continue;
      if (this.wanted === null) this.holders.set(inode, pid);
      else if (this.wanted.has(inode)) {
        this.holders.set(inode, pid);
        this.missing--;
      }
    }
  }

  /** The inodes found so far, with process names. */
  owners(): Map<number, Owner> {
    return ownersOf(this.procRoot, this.holders);
  }
}

/** inode -> Owner for inode -> pid pairs; comm is read once per process, shared by its sockets. */
function ownersOf(procRoot: string, holders: Iterable<readonly [number, number]>): Map<number, Owner> {
  const byPid = new Map<number, Owner>();
  const owners = new Map<number, Owner>();
  for (const [inode, pid] of holders) {
    let owner = byPid.get(pid);
    if (!owner) {
      owner = { pid, process: readComm(procRoot, pid) };
      byPid.set(pid, owner);
    }
    owners.set(inode, owner);
  }
  return owners;
}

/** Scans /proc/*\/fd in this thread until every wanted inode has an owner. */
export function scanInodeOwners(procRoot: string, wanted: ReadonlySet<number>, firstNetns: string | null = null): OwnerScan {
  const scanner = new FdScanner(procRoot);
  if (wanted.size === 0) return { owners: new Map(), denied: 0 };
  scanner.want(wanted);
  for (const pid of listPids(procRoot, firstNetns)) {
    if (scanner.done) break;
    scanner.scanPid(pid);
  }
  return { owners: scanner.owners(), denied: scanner.denied };
}

/** The process name of pid (its comm), or "" when it is gone. */
export function readComm(procRoot: string, pid: number): string {
  try {
    return readFileSync(`${procRoot}/${pid}/comm`, "utf8").replace(/\n$/, "");
  } catch {
    return "";
  }
}
