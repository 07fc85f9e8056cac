// The socket tracker's update (src/lib/watch-diff.ts) at 100k sockets, none changing: what
// each refresh of `top` and `--watch` pays to tell opened, closed and changed sockets apart.
//
//   npx vitest bench --run bench/tracker.bench.ts
import { bench, describe } from "vitest";
import { SocketTracker } from "../src/lib/watch-diff.js";
import type { SocketRecord } from "../src/model/socket.js";

const SOCKETS = 100_000;

/** A reading as /proc gives it: fresh records, in no inode order. */
function reading(): SocketRecord[] {
  return Array.from({ length: SOCKETS }, (_, i) => ({
    proto: "tcp", family: "ipv4", localAddress: "127.0.0.1", localPort: 20000 + (i % 7), remoteAddress: "127.0.0.1", remotePort: 30000 + Math.floor(i / 7),
    state: "ESTABLISHED", recvQ: 0, sendQ: 0, pid: 1, process: "load", uid: 0, user: "root", inode: 1_000_000 + ((i * 7919) % SOCKETS), timer: null,
  }));
}

describe(`SocketTracker.update, ${SOCKETS.toLocaleString("en-US")} sockets, none changing`, () => {
  const tracker = new SocketTracker();
  let time = 0;
  tracker.update(reading(), time++);
  // A second reading, of other record objects with the same sockets, compared again and again.
  const next = reading();
  bench("update", () => void tracker.update(next, time++), { iterations: 11, warmupIterations: 2 });
});
