import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import type { SocketRecord } from "../../src/model/socket.js";
import { nodeComm } from "../helpers/comm.js";

/**
 * Past a few thousand sockets the owner scan runs in a worker thread, overlapped with
 * reading /proc/net, and stops once every socket has its process. With 4000 real
 * connections (8000 sockets, some half-closed, some over IPv6) held by two processes in a
 * fresh namespace, every socket's owner must be the one `ss -tanp` names.
 */
const WORKER = fileURLToPath(new URL("../../bench/load-worker.mjs", import.meta.url));
let ns: Netns;
const loadPids: number[] = [];

beforeAll(async () => {
  ns = createNetns();
  for (const port of [21001, 21002]) {
    const child = ns.spawn(process.execPath, [WORKER, "--port", String(port), "--conns", "2000", "--v6", "0.25", "--half", "0.1", "--ttl", "120"]);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
      child.once("exit", (code) => reject(new Error(`load process exited with ${code}`)));
    });
  }
  for (const line of ns.run("ss", ["-tlnpH"]).stdout.split("\n")) {
    const pid = /pid=(\d+)/.exec(line)?.[1];
    if (pid && !loadPids.includes(Number(pid))) loadPids.push(Number(pid));
  }
}, 60_000);
afterAll(() => ns?.close());

/** "127.0.0.1:20001" or "[::1]:20001" -> the same key for ss and tcpstat. */
const key = (local: string, remote: string) => `${local} ${remote}`;

describe("owners of 8000 sockets (worker-thread scan)", () => {
  it("match ss -tanp socket by socket", () => {
    const ss = new Map<string, number>();
    for (const line of ns.run("ss", ["-tanpH"]).stdout.split("\n")) {
      const f = line.trim().split(/\s+/);
      const pid = /pid=(\d+)/.exec(line)?.[1];
      if (f.length >= 5 && pid) ss.set(key(f[3]!, f[4]!), Number(pid));
    }
    const result = runTcpstat(["-t", "--json"], { netns: ns });
    expect(result.status).toBe(0);
    const records = JSON.parse(result.stdout) as SocketRecord[];
    const withInode = records.filter((r) => r.inode !== null);
    expect(withInode.length).toBeGreaterThanOrEqual(8000);
    expect(loadPids).toHaveLength(2);

    let compared = 0;
    for (const r of withInode) {
      const host = (a: string | null) => (r.family === "ipv6" ? `[${a ?? "::"}]` : (a ?? "0.0.0.0"));
      const local = `${host(r.localAddress)}:${r.localPort}`;
      const remote = `${host(r.remoteAddress)}:${r.remotePort ?? "*"}`;
      const expected = ss.get(key(local, remote));
      if (expected === undefined) continue;
      expect([local, remote, r.pid, r.process]).toEqual([local, remote, expected, nodeComm()]);
      compared++;
    }
    // Every socket with an inode was found in ss's output and compared.
    expect(compared).toBe(withInode.length);
    expect(new Set(withInode.map((r) => r.pid))).toEqual(new Set(loadPids));
  });
});
