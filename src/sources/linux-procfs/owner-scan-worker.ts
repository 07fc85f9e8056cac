/**
 * Worker thread of owner-scan.ts: walks /proc/<pid>/fd while the main thread reads and
 * parses /proc/net. Synchronous readdir/readlink are the fastest way here (libuv's async
 * readlink measured slower on 2 cores), and in a thread of their own they block nobody.
 *
 *   workerData: { procRoot, firstNetns, port }
 *   port <- the wanted inodes (Float64Array), whenever the main thread knows them
 *   parentPort -> { inodes: Float64Array, pids: Int32Array, denied }
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from "node:worker_threads";
import { FdScanner, listPids } from "./inode-owners.js";

const { procRoot, firstNetns, port } = workerData as { procRoot: string; firstNetns: string | null; port: MessagePort };
const scanner = new FdScanner(procRoot);

const takeWanted = (message: unknown) => scanner.want(new Set(message as Float64Array));

for (const pid of listPids(procRoot, firstNetns)) {
  // Between processes, pick up the wanted set if it has come: from then on the scan can stop early.
  if (!scanner.wanting) {
    const received = receiveMessageOnPort(port);
    if (received) takeWanted(received.message);
  }
  if (scanner.done) break;
  scanner.scanPid(pid);
}

const reply = () => {
  const found = [...scanner.holders];
  const inodes = Float64Array.from(found, ([inode]) => inode);
  const pids = Int32Array.from(found, ([, pid]) => pid);
  parentPort!.postMessage({ inodes, pids, denied: scanner.denied }, [inodes.buffer, pids.buffer]);
  port.close();
};

if (scanner.wanting) reply();
else
  port.once("message", (message) => {
    takeWanted(message);
    reply();
  });
