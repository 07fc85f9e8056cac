import { readFile } from "node:fs/promises";
import { endianness } from "node:os";
import type { SocketRecord } from "../../model/socket.js";
import { attachOwners } from "../linux-procfs/collect.js";
import { discoverNamespaces, type Namespace } from "../linux-procfs/netns.js";
import { rowRecord } from "../../model/socket-row.js";
import { parseProcNet } from "../linux-procfs/parse-proc-net.js";

/**
 * The TCP sockets open when a trace begins, in every namespace that has a process in it,
 * with their holders: what attribute.ts knows of the listeners and connections that were
 * there before the first event. TIME_WAIT sockets are left out (nobody holds them, and a
 * busy server has tens of thousands). The files are read in the thread pool, so the trace
 * keeps draining the kernel's buffers while the kernel prints the tables. `which` picks the
 * namespaces (by inode): the trace reads its own first, the others after. `namespaces`, when
 * given, spares a look through /proc (discoverNamespaces) the caller has made already.
 */
export async function readOpenSockets(procRoot = "/proc", which: (inode: number) => boolean = () => true, namespaces?: readonly Namespace[]): Promise<SocketRecord[]> {
  const records: SocketRecord[] = [];
  const byteOrder = endianness();
  for (const ns of namespaces ?? discoverNamespaces({ procRoot })) {
    if (!which(ns.inode)) continue;
    for (const pid of ns.pids.slice(0, 3)) {
      try {
        const found: SocketRecord[] = [];
        for (const file of ["tcp", "tcp6"]) {
          const bytes = await readFile(`${procRoot}/${pid}/net/${file}`);
          parseProcNet(bytes, {
            proto: "tcp",
            byteOrder,
            source: file,
            onRow: (row) => {
              if (row.state !== "TIME_WAIT") found.push({ ...rowRecord(row), netns: { inode: ns.inode, name: ns.name } });
            },
          });
          await new Promise((resolve) => setImmediate(resolve));
        }
        records.push(...found);
        break;
      } catch {
        // That process is gone: the next one in the namespace shows the same tables.
      }
    }
  }
  attachOwners(records, procRoot);
  return records;
}
