/**
 * Worker thread of owner-scan.ts: walks /proc/<pid>/fd while the main thread reads and
 * parses /proc/net. Synchronous readdir/readlink are the fastest way here (libuv's async
 * readlink measured slower on 2 cores), and in a thread of their own they block nobody.
 *
 *   workerData: { procRoot, firstNetns, port }
 *   port <- the wanted inodes (Float64Array), whenever the main thread knows them
 *   parentPort -> { pids: Int32Array (pids[i] holds inodes[i], 0: not found), names: [pid, comm][], denied }
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from "node:worker_threads";
import { FdScanner, listPids, readComm } from "./inode-owners.js";

const { procRoot, firstNetns, port } = workerData as { procRoot: string; firstNetns: string | null; port: MessagePort };
const scanner = new FdScanner(procRoot);
let wanted: Float64Array | null = null;

const takeWanted = (message: unknown) => {
  wanted = message as Float64Array;
  scanner.want(new Set(wanted));
};

for (const pid of listPids(procRoot, firstNetns)) {
  // Between processes, pick up the wanted set if it has come: from then on the scan can stop early.
  if (!wanted) {
    const received = receiveMessageOnPort(port);
    if (received) takeWanted(received.message);
  }
  if (scanner.done) break;
  scanner.scanPid(pid);
}

const reply = (inodes: Float64Array) => {
  const pids = new Int32Array(inodes.length);
  const names = new Map<number, string>();
  for (let i = 0; i < inodes.length; i++) {
    const pid = scanner.holders.get(inodes[i]!);
    if (pid === undefined) continue;
    pids[i] = pid;
    if (!names.has(pid)) names.set(pid, readComm(procRoot, pid));
  }
  parentPort!.postMessage({ pids, names: [...names], denied: scanner.denied }, [pids.buffer]);
  port.close();
};

if (wanted) reply(wanted);
else
  port.once("message", (message) => {
    takeWanted(message);
    reply(message as Float64Array);
  });
