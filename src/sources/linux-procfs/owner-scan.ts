import { existsSync } from "node:fs";
import { MessageChannel, Worker } from "node:worker_threads";
import { netnsLink, ownersOf, scanInodeOwners, type OwnerScan } from "./inode-owners.js";

/**
 * The owner scan overlapped with reading /proc/net: a worker thread walks /proc/<pid>/fd
 * (owner-scan-worker.ts) from the start, and learns which inodes matter once the tables
 * are parsed; it stops when all are found. On a server with 100k sockets the scan is the
 * larger half of the work, and the two halves now share the machine's cores.
 *
 *   const scan = startOwnerScan("/proc");
 *   const records = readTables();                  // meanwhile, the worker scans
 *   const { owners } = await scan.finish(inodesOf(records));
 */
export interface PendingOwnerScan {
  finish(wanted: ReadonlySet<number>): Promise<OwnerScan>;
}

// Built next to the bundle's chunks (tsup.config.ts). Run from the TypeScript sources
// (tests), there is no such file and the scan runs in this thread instead.
const WORKER_URL = new URL("./owner-scan-worker.js", import.meta.url);

interface WorkerReply {
  inodes: Float64Array;
  pids: Int32Array;
  denied: number;
}

export function startOwnerScan(procRoot: string): PendingOwnerScan {
  // The processes of our own namespace hold our sockets: scanning them first lets the scan stop early.
  const firstNetns = netnsLink(procRoot, "self");
  const inThisThread: PendingOwnerScan = { finish: async (wanted) => scanInodeOwners(procRoot, wanted, firstNetns) };
  if (!existsSync(WORKER_URL)) return inThisThread;

  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_URL, { workerData: { procRoot, firstNetns, port: port2 }, transferList: [port2] });
  worker.unref(); // never keeps the process alive by itself: finish() holds it while waiting
  const reply = new Promise<WorkerReply>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`owner scan worker exited with ${code}`)));
  });
  reply.catch(() => {}); // awaited (and handled) in finish()

  return {
    async finish(wanted) {
      if (wanted.size === 0) {
        void worker.terminate();
        return { owners: new Map(), denied: 0 };
      }
      worker.ref();
      port1.postMessage(Float64Array.from(wanted));
      try {
        const { inodes, pids, denied } = await reply;
        const pairs = Array.from(inodes, (inode, i) => [inode, pids[i]!] as const);
        return { owners: ownersOf(procRoot, pairs), denied };
      } catch {
        return inThisThread.finish(wanted); // the worker failed to start or died: scan here
      } finally {
        port1.close();
      }
    },
  };
}
