import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";

/**
 * Maps socket inodes to every process holding them, like `ss -p`: each
 * /proc/<pid>/fd/<n> that links to "socket:[<inode>]" names a holder (pid and fd n),
 * /proc/<pid>/comm names the process and the owner of /proc/<pid> its user.
 *
 * This is the costly part of a listing (one readlink per open descriptor on the machine;
 * BENCHMARKS.md, issue 15), and it can start before the wanted set is known (see owner-scan.ts,
 * which runs it in a worker thread). It reads every process: a socket shared after fork
 * (a server's workers) or passed on (systemd socket activation) has holders anywhere.
 * Processes that exit mid-scan (ENOENT, ESRCH) are skipped; EACCES is counted.
 */

/**
 * The holders of each asked inode, as flat arrays (cheap to hand over from a worker thread):
 * inode i has counts[i] holders, whose (pid, fd) pairs follow each other in `flat`.
 *
 *   inodes [80932, 80934]  ->  counts [1, 2], flat [100,3, 100,4, 200,7]
 */
export interface OwnerAnswer {
  counts: Int32Array;
  flat: Int32Array;
  /** Process name (comm) and uid (owner of /proc/<pid>, -1 unknown) of each pid in `flat`. */
  names: Map<number, string>;
  uids: Map<number, number>;
  /** Processes whose fd table we were not allowed to read (not root). */
  denied: number;
}

const SOCKET_PREFIX = "socket:[";

/** A socket's further holders when it has none (nearly all): not an array made per socket asked. */
const NO_MORE: readonly number[] = [];

/** The namespace link of a process, e.g. "net:[4026531840]", or null when hidden or gone. */
export function netnsLink(procRoot: string, pid: number | "self"): string | null {
  try {
    return readlinkSync(`${procRoot}/${pid}/ns/net`);
  } catch {
    return null;
  }
}

/** Pids under procRoot, lowest first. */
export function listPids(procRoot: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return [];
  }
  const pids = entries.filter((e) => e.charCodeAt(0) >= 0x30 && e.charCodeAt(0) <= 0x39).map(Number);
  return pids.sort((a, b) => a - b);
}

/** The inode in "socket:[12345]", or -1 for any other link (pipes, files, anon inodes). */
function socketInode(target: string): number {
  if (!target.startsWith(SOCKET_PREFIX)) return -1;
  let inode = 0;
  for (let i = SOCKET_PREFIX.length; i < target.length - 1; i++) inode = inode * 10 + target.charCodeAt(i) - 0x30;
  return inode;
}

/**
 * Walks the fd tables of processes one at a time, remembering every process and fd holding
 * each socket. Until `want()` is called it remembers every socket; after, only wanted ones.
 *
 * Once the wanted inodes are known they are kept sorted in a typed array, and each one's first
 * holder in two more (found by binary search): a map of 100k small arrays and a set of 100k
 * inodes cost a scan of 100k sockets 15 MB more (BENCHMARKS.md, issue 20, eighth pass).
 */
export class FdScanner {
  /** Names already known (the main thread read them with the holder's stat, --who): no comm read for them. */
  readonly knownNames = new Map<number, string>();
  denied = 0;
  /** Before want(): every socket's holders, inode -> pid, fd pairs. */
  private early: Map<number, number[]> | null = new Map();
  /** After want(): the wanted inodes, sorted; each one's first holder (pid 0: none found). */
  private wanted = new Float64Array(0);
  private firstPid = new Int32Array(0);
  private firstFd = new Int32Array(0);
  /** Holders after the first (a socket shared after fork), as pid, fd pairs, by index in `wanted`. */
  private more = new Map<number, number[]>();

  constructor(private readonly procRoot: string) {}

  /** Narrows the scan (and what it found so far) to these inodes; the first set stands (later calls keep it). */
  want(inodes: ArrayLike<number>): void {
    const early = this.early;
    if (early === null) return;
    this.early = null;
    this.wanted = Float64Array.from(inodes).sort();
    this.firstPid = new Int32Array(this.wanted.length);
    this.firstFd = new Int32Array(this.wanted.length);
    for (const [inode, list] of early) {
      const i = this.indexOf(inode);
      if (i >= 0) for (let k = 0; k < list.length; k += 2) this.add(i, list[k]!, list[k + 1]!);
    }
  }

  /** The pids found so far holding a kept socket, each once. */
  holderPids(): Set<number> {
    const pids = new Set<number>();
    for (const list of this.early?.values() ?? []) for (let k = 0; k < list.length; k += 2) pids.add(list[k]!);
    for (const pid of this.firstPid) if (pid !== 0) pids.add(pid);
    for (const list of this.more.values()) for (let k = 0; k < list.length; k += 2) pids.add(list[k]!);
    return pids;
  }

  /** Remembers the sockets pid holds; true when it holds one that is kept (a wanted one, once known). */
  scanPid(pid: number): boolean {
    const fdDir = `${this.procRoot}/${pid}/fd`;
    let fds: string[];
    let kept = false;
    try {
      fds = readdirSync(fdDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EACCES") this.denied++;
      return false;
    }
    const early = this.early;
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${fdDir}/${fd}`);
      } catch {
        continue; // fd closed or process gone
      }
      const inode = socketInode(target);
      if (inode < 0) continue;
      if (early === null) {
        const i = this.indexOf(inode);
        if (i < 0) continue;
        this.add(i, pid, Number(fd));
      } else {
        const list = early.get(inode);
        if (list) list.push(pid, Number(fd));
        else early.set(inode, [pid, Number(fd)]);
      }
      kept = true;
    }
    return kept;
  }

  /** The holders of each of `inodes`, with names and uids read once per process. */
  answer(inodes: ArrayLike<number>): OwnerAnswer {
    this.want(inodes);
    const counts = new Int32Array(inodes.length);
    const pairs: number[] = [];
    const names = new Map<number, string>();
    const uids = new Map<number, number>();
    const take = (pid: number, fd: number) => {
      pairs.push(pid, fd);
      if (names.has(pid)) return;
      names.set(pid, this.knownNames.get(pid) ?? readComm(this.procRoot, pid));
      uids.set(pid, readUid(this.procRoot, pid));
    };
    for (let i = 0; i < inodes.length; i++) {
      const at = this.indexOf(inodes[i]!);
      if (at < 0 || this.firstPid[at] === 0) continue;
      take(this.firstPid[at]!, this.firstFd[at]!);
      const more = this.more.get(at) ?? NO_MORE;
      for (let k = 0; k < more.length; k += 2) take(more[k]!, more[k + 1]!);
      counts[i] = 1 + more.length / 2;
    }
    return { counts, flat: Int32Array.from(pairs), names, uids, denied: this.denied };
  }

  /** Where `inode` is in the wanted inodes (binary search), -1 when it is not one. */
  private indexOf(inode: number): number {
    const w = this.wanted;
    let lo = 0;
    let hi = w.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = w[mid]!;
      if (v < inode) lo = mid + 1;
      else if (v > inode) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  private add(i: number, pid: number, fd: number): void {
    if (this.firstPid[i] === 0) {
      this.firstPid[i] = pid;
      this.firstFd[i] = fd;
      return;
    }
    const list = this.more.get(i);
    if (list) list.push(pid, fd);
    else this.more.set(i, [pid, fd]);
  }
}

/** Scans every /proc/<pid>/fd in this thread for the holders of `inodes`. */
export function scanInodeOwners(procRoot: string, inodes: ArrayLike<number>): OwnerAnswer {
  const scanner = new FdScanner(procRoot);
  if (inodes.length === 0) return scanner.answer(inodes);
  scanner.want(inodes);
  for (const pid of listPids(procRoot)) scanner.scanPid(pid);
  return scanner.answer(inodes);
}

/** The uid a process runs as (the owner of /proc/<pid>), or -1 when it is gone. */
function readUid(procRoot: string, pid: number): number {
  try {
    return statSync(`${procRoot}/${pid}`).uid;
  } catch {
    return -1;
  }
}

/** The process name of pid (its comm), or "" when it is gone. */
export function readComm(procRoot: string, pid: number): string {
  try {
    return readFileSync(`${procRoot}/${pid}/comm`, "utf8").replace(/\n$/, "");
  } catch {
    return "";
  }
}

