import { readdirSync, readlinkSync } from "node:fs";

/**
 * The inodes of the sockets this process holds (/proc/self/fd links to socket:[inode]).
 * -x/--unix takes them before and after it starts ss: Node makes a child's stdin, stdout and
 * stderr from unix socketpairs, and those pairs, made by tcpstat for its own use, are left out
 * of the listing with the ends ss held (sockets tcpstat was started with, such as a journald
 * stdout, stay in it).
 */
export function ownSocketInodes(procSelf = "/proc/self"): Set<number> {
  const inodes = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`${procSelf}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${procSelf}/fd/${fd}`));
      if (m) inodes.add(Number(m[1]));
    } catch {
      // closed since the directory was read
    }
  }
  return inodes;
}
