/**
 * Worker thread of owner-scan.ts: walks /proc/<pid>/fd while the main thread reads and
 * parses /proc/net. Synchronous readdir/readlink are the fastest way here (libuv's async
 * readlink measured slower on 2 cores), and in a thread of their own they block nobody.
 *
 *   workerData: { procRoot, port }
 *   port <- the wanted inodes (Float64Array), whenever the main thread knows them
 *   parentPort -> { holders: Int32Array } batches, when workerData.holders: the pids holding a
 *                 wanted socket, each once, as they are found (once the wanted set is known);
 *                 the main thread, idle meanwhile, reads what it needs of them
 *   port <- { pids, names } after the wanted inodes: those holders' names, which the main thread
 *                 read with their stat (--who): their comm is then not read here
 *   parentPort -> { counts, flat, names: [pid, comm][], uids: [pid, uid][], denied } (an OwnerAnswer)
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from "node:worker_threads";
import { FdScanner, listPids } from "./inode-owners.js";

const { procRoot, port, holders } = workerData as { procRoot: string; port: MessagePort; holders?: boolean };
const scanner = new FdScanner(procRoot);
let wanted: Float64Array | null = null;

// Holders not yet sent, sent every BATCH pids: the main thread reads them while this one scans.
const BATCH = 64;
let batch: number[] = [];
const flush = () => {
  if (batch.length === 0) return;
  const message = { holders: Int32Array.from(batch) };
  parentPort!.postMessage(message, [message.holders.buffer] as ArrayBuffer[]);
  batch = [];
};
const found = (pid: number) => {
  batch.push(pid);
  if (batch.length >= BATCH) flush();
};

const takeWanted = (message: unknown) => {
  wanted = message as Float64Array;
  scanner.want(wanted);
  // The processes scanned before the wanted set came.
  if (holders) for (const pid of scanner.holderPids()) found(pid);
};

// Every process: a socket may have holders anywhere (inode-owners.ts).
for (const pid of listPids(procRoot)) {
  // Between processes, pick up the wanted set if it has come: from then on only those are kept.
  if (!wanted) {
    const received = receiveMessageOnPort(port);
    if (received) takeWanted(received.message);
  }
  if (scanner.scanPid(pid) && holders && wanted) found(pid);
}

/** The names the main thread has sent so far (after the wanted set, in its order). */
const takeNames = () => {
  for (let got = receiveMessageOnPort(port); got; got = receiveMessageOnPort(port)) {
    const { pids, names } = got.message as { pids: Int32Array; names: Array<string | null> };
    for (let i = 0; i < pids.length; i++) if (names[i] !== null) scanner.knownNames.set(pids[i]!, names[i]!);
  }
};

const reply = (inodes: Float64Array) => {
  flush();
  takeNames();
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
