import { existsSync } from "node:fs";
import { netnsLink, scanInodeOwners } from "./inode-owners.js";

/**
 * The owner scan overlapped with reading /proc/net: a worker thread walks /proc/<pid>/fd
 * (owner-scan-worker.ts) from the start, and learns which inodes matter once the tables
 * are parsed; it stops when all are found. On a server with 100k sockets the scan is the
 * larger half of the work, and the two halves now share the machine's cores.
 *
 *   const scan = await startOwnerScan("/proc");
 *   const records = readTables();                   // meanwhile, the worker scans
 *   const { pids, names } = await scan.finish(inodes);   // pids[i] holds inodes[i], 0: unknown
 *
 * Answers come as arrays parallel to the question, so no per-socket map is built here.
 */
export interface OwnerAnswer {
  /** pids[i] is the process holding inodes[i]; 0 when none was found. */
  pids: Int32Array;
  /** Process name (comm) of each pid in pids. */
  names: Map<number, string>;
  /** Processes whose fd table we were not allowed to read (not root). */
  denied: number;
}

export interface PendingOwnerScan {
  finish(inodes: Float64Array): Promise<OwnerAnswer>;
}

// Built next to the bundle's chunks (tsup.config.ts). Run from the TypeScript sources
// (tests), there is no such file and the scan runs in this thread instead.
const WORKER_URL = new URL("./owner-scan-worker.js", import.meta.url);

/** The same answer from a scan in this thread. */
function scanHere(procRoot: string, firstNetns: string | null, inodes: Float64Array): OwnerAnswer {
  const { owners, denied } = scanInodeOwners(procRoot, new Set(inodes), firstNetns);
  const pids = new Int32Array(inodes.length);
  const names = new Map<number, string>();
  inodes.forEach((inode, i) => {
    const owner = owners.get(inode);
    if (!owner) return;
    pids[i] = owner.pid;
    names.set(owner.pid, owner.process);
  });
  return { pids, names, denied };
}

export async function startOwnerScan(procRoot: string): Promise<PendingOwnerScan> {
  // The processes of our own namespace hold our sockets: scanning them first lets the scan stop early.
  const firstNetns = netnsLink(procRoot, "self");
  if (!existsSync(WORKER_URL)) return { finish: async (inodes) => scanHere(procRoot, firstNetns, inodes) };

  const { MessageChannel, Worker } = await import("node:worker_threads"); // only big tables get here
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_URL, {
    workerData: { procRoot, firstNetns, port: port2 },
    transferList: [port2],
    // Its garbage is one short string per descriptor: a small young generation keeps the RSS down.
    resourceLimits: { maxYoungGenerationSizeMb: 1, stackSizeMb: 1 },
  });
  worker.unref(); // never keeps the process alive by itself: finish() holds it while waiting
  const reply = new Promise<{ pids: Int32Array; names: Array<[number, string]>; denied: number }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`owner scan worker exited with ${code}`)));
  });
  reply.catch(() => {}); // awaited (and handled) in finish()

  return {
    async finish(inodes) {
      if (inodes.length === 0) {
        void worker.terminate();
        return { pids: new Int32Array(0), names: new Map(), denied: 0 };
      }
      worker.ref();
      port1.postMessage(inodes);
      try {
        const { pids, names, denied } = await reply;
        return { pids, names: new Map(names), denied };
      } catch {
        return scanHere(procRoot, firstNetns, inodes); // the worker failed to start or died: scan here
      } finally {
        port1.close();
      }
    },
  };
}
