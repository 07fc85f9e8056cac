/**
 * Worker thread of owner-scan.ts: walks /proc/<pid>/fd while the main thread reads and
 * parses /proc/net. Synchronous readdir/readlink are the fastest way here (libuv's async
 * readlink measured slower on 2 cores), and in a thread of their own they block nobody.
 *
 *   workerData: { procRoot, port }
 *   port <- the wanted inodes (Float64Array), whenever the main thread knows them
 *   parentPort -> { counts, flat, names: [pid, comm][], uids: [pid, uid][], denied } (an OwnerAnswer)
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from "node:worker_threads";
import { FdScanner, listPids } from "./inode-owners.js";

const { procRoot, port } = workerData as { procRoot: string; port: MessagePort };
const scanner = new FdScanner(procRoot);
let wanted: Float64Array | null = null;

const takeWanted = (message: unknown) => {
  wanted = message as Float64Array;
  scanner.want(new Set(wanted));
};

// Every process: a socket may have holders anywhere (inode-owners.ts).
for (const pid of listPids(procRoot)) {
  // Between processes, pick up the wanted set if it has come: from then on only those are kept.
  if (!wanted) {
    const received = receiveMessageOnPort(port);
    if (received) takeWanted(received.message);
  }
  scanner.scanPid(pid);
}

const reply = (inodes: Float64Array) => {
  const { counts, flat, names, uids, denied } = scanner.answer(inodes);
  parentPort!.postMessage({ counts, flat, names: [...names], uids: [...uids], denied }, [counts.buffer as ArrayBuffer, flat.buffer as ArrayBuffer]);
  port.close();
};

if (wanted) reply(wanted);
else
  port.once("message", (message) => {
    takeWanted(message);
    reply(message as Float64Array);
  });
