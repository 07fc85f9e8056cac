import { existsSync } from "node:fs";
import { scanInodeOwners, type OwnerAnswer } from "./inode-owners.js";

/**
 * The owner scan overlapped with reading /proc/net: a worker thread walks /proc/<pid>/fd
 * (owner-scan-worker.ts) from the start, and learns which inodes matter once the tables
 * are parsed. On a server with 100k sockets the scan is the larger half of the work, and
 * the two halves now share the machine's cores.
 *
 *   const scan = await startOwnerScan("/proc");
 *   const records = readTables();                 // meanwhile, the worker scans
 *   const answer = await scan.finish(inodes);     // the holders of each inode (OwnerAnswer)
 *
 * Answers come as arrays parallel to the question, so no per-socket map is built here.
 */
export type { OwnerAnswer };

/**
 * Pids holding a listed socket, as the scan finds them. What it gives back, their names (null:
 * unknown) as read from their stat, goes to the worker, which then does not read their comm.
 */
export type HolderSink = (pids: Int32Array) => ReadonlyArray<string | null> | void;

export interface PendingOwnerScan {
  finish(inodes: Float64Array): Promise<OwnerAnswer>;
}

// Built next to the bundle's chunks (tsup.config.ts). Run from the TypeScript sources
// (tests), there is no such file and the scan runs in this thread instead.
const WORKER_URL = new URL("./owner-scan-worker.js", import.meta.url);

/** The same answer from a scan in this thread. */
const scanHere = (procRoot: string, inodes: Float64Array): OwnerAnswer => scanInodeOwners(procRoot, inodes);

/**
 * `onHolders`, when given, is told the pids holding a wanted socket as the worker finds them,
 * in batches, all before finish() returns: this thread, idle while it waits, reads what it
 * needs of them (--who) meanwhile.
 */
export async function startOwnerScan(procRoot: string, onHolders?: HolderSink): Promise<PendingOwnerScan> {
  if (!existsSync(WORKER_URL)) return { finish: async (inodes) => scanHere(procRoot, inodes) };

  const { MessageChannel, Worker } = await import("node:worker_threads"); // only big tables get here
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_URL, {
    workerData: { procRoot, port: port2, holders: onHolders !== undefined },
    transferList: [port2],
    // Its garbage is one short string per descriptor: a small young generation keeps the RSS down.
    resourceLimits: { maxYoungGenerationSizeMb: 1, stackSizeMb: 1 },
  });
  worker.unref(); // never keeps the process alive by itself: finish() holds it while waiting
  const reply = new Promise<{ counts: Int32Array; flat: Int32Array; names: Array<[number, string]>; uids: Array<[number, number]>; denied: number }>((resolve, reject) => {
    // Batches of holders ({ holders }) come first, in order, then the answer.
    worker.on("message", (message: { holders?: Int32Array }) => {
      if (message.holders === undefined) return resolve(message as never);
      // Names read (--who with every field) go back; none (its cgroup alone) spares the message.
      const names = onHolders?.(message.holders);
      if (names?.some((name) => name !== null)) port1.postMessage({ pids: message.holders, names });
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`owner scan worker exited with ${code}`)));
  });
  reply.catch(() => {}); // awaited (and handled) in finish()

  return {
    async finish(inodes) {
      if (inodes.length === 0) {
        void worker.terminate();
        return scanInodeOwners(procRoot, inodes);
      }
      worker.ref();
      port1.postMessage(inodes);
      try {
        const { counts, flat, names, uids, denied } = await reply;
        return { counts, flat, names: new Map(names), uids: new Map(uids), denied };
      } catch {
        return scanHere(procRoot, inodes); // the worker failed to start or died: scan here
      } finally {
        port1.close();
      }
    },
  };
}
