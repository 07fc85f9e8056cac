import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

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

/**
 * Maps socket inodes to the process holding them, like `netstat -p`:
 * every /proc/<pid>/fd/<n> that links to "socket:[<inode>]" names an owner,
 * and /proc/<pid>/comm names the process. Stops as soon as every wanted inode is found.
 * Processes that exit mid-scan (ENOENT, ESRCH) are skipped; EACCES is counted.
 * When several processes share a socket (after fork), the lowest pid is kept.
 */
export function scanInodeOwners(procRoot: string, wanted: ReadonlySet<number>): OwnerScan {
  const owners = new Map<number, Owner>();
  let denied = 0;
  if (wanted.size === 0) return { owners, denied };

  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return { owners, denied };
  }
  const pids = entries.filter((e) => e.charCodeAt(0) >= 0x30 && e.charCodeAt(0) <= 0x39).map(Number);
  pids.sort((a, b) => a - b);

  let remaining = wanted.size;
  for (const pid of pids) {
    if (remaining === 0) break;
    const fdDir = join(procRoot, String(pid), "fd");
    let fds: string[];
    try {
      fds = readdirSync(fdDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EACCES") denied++;
      continue;
    }
    let comm: string | undefined;
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(join(fdDir, fd));
      } catch {
        continue; // fd closed or process gone
      }
      if (!target.startsWith(SOCKET_PREFIX)) continue;
      const inode = Number(target.slice(SOCKET_PREFIX.length, -1));
      if (!wanted.has(inode) || owners.has(inode)) continue;
      comm ??= readComm(procRoot, pid);
      owners.set(inode, { pid, process: comm });
      remaining--;
    }
  }
  return { owners, denied };
}

function readComm(procRoot: string, pid: number): string {
  try {
    return readFileSync(join(procRoot, String(pid), "comm"), "utf8").replace(/\n$/, "");
  } catch {
    return "";
  }
}
