import type { ChildProcess } from "node:child_process";
import { lineFrom } from "../helpers/child-output.js";
import type { Netns } from "../helpers/netns.js";

/**
 * Tens of thousands of real TCP sockets in a test namespace: `holders` processes each listen
 * on loopback and connect to themselves `pairs` times, keeping both ends open (2 sockets a
 * pair, plus the listener). A process may hold 20,000 descriptors here, so each stays below.
 * Each holder prints "ready PORT" once all its connections are up, then sleeps until killed.
 */
const HOLDER = String.raw`
import os, resource, socket, sys, time
pairs = int(sys.argv[1])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(4096)
port = srv.getsockname()[1]
keep = []
for i in range(pairs):
    c = socket.socket()
    c.connect(("127.0.0.1", port))
    a, _ = srv.accept()
    keep.append((c, a))
print("ready", port, flush=True)
time.sleep(600)
`;

export interface Load {
  /** TCP sockets held: listeners plus both ends of every connection. */
  sockets: number;
  stop(): void;
}

export async function holdConnections(ns: Netns, holders: number, pairs: number): Promise<Load> {
  if (2 * pairs + 8 > 20_000) throw new Error("too many pairs for one process's descriptor limit");
  const children: ChildProcess[] = [];
  for (let i = 0; i < holders; i++) children.push(ns.spawn("python3", ["-c", HOLDER, String(pairs)]));
  for (const child of children) await lineFrom(child, "connection holder", /^ready (\d+)\n/m);
  return {
    sockets: holders * (2 * pairs + 1),
    stop: () => children.forEach((c) => c.kill("SIGKILL")),
  };
}
