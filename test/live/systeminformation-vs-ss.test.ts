import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SocketRecord } from "../../src/model/socket.js";
import { lineFrom } from "../helpers/child-output.js";
import { runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";

/**
 * Live: on real sockets in a fresh network namespace, `--source systeminformation` lists the same
 * TCP sockets as the native procfs source, and both agree with ss.
 */
const SCENARIO = `
const net = require("node:net");
const keep = [];
// Ready once each of the 3 connections is both connected and accepted.
let up = 0;
const one = () => { if (++up === 6) console.log("ready"); };
const accept = (s) => { keep.push(s); one(); };
const a = net.createServer(accept).listen(7100, "127.0.0.1", () => {
  const b = net.createServer(accept).listen(7200, "::", () => {
    keep.push(net.connect(7100, "127.0.0.1", one), net.connect(7200, "::1", one), net.connect(7200, "127.0.0.1", one));
  });
});
setTimeout(() => process.exit(0), 600000);
`;

const linux = process.platform === "linux";
const key = (r: SocketRecord) => `${r.proto} ${r.family} ${r.localAddress}:${r.localPort} ${r.remoteAddress}:${r.remotePort} ${r.state} pid=${r.pid}`;

describe.skipIf(!linux)("--source systeminformation (and linux-ss, linux-netstat, lsof) on Linux (live, fresh namespace)", () => {
  let ns: Netns;
  let pid: number;
  beforeAll(async () => {
    ns = createNetns();
    const child = ns.spawn(process.execPath, ["-e", SCENARIO]);
    await lineFrom(child, "scenario", /^(ready)\n/m);
    // nsenter forks node: the socket owner is nsenter's child, found through ss.
    const ss = ns.run("ss", ["-Htlnp", "sport", "=", ":7100"]).stdout;
    pid = Number(/pid=(\d+)/.exec(ss)?.[1]);
  });
  afterAll(() => ns?.close());

  it("lists the same sockets as the native source, and as ss", () => {
    const native = runTcpstat(["--json"], { netns: ns });
    const si = runTcpstat(["--source", "systeminformation", "--json"], { netns: ns });
    expect(native.status, native.stderr).toBe(0);
    expect(si.status, si.stderr).toBe(0);
    const nativeKeys = (JSON.parse(native.stdout) as SocketRecord[]).map(key).sort();
    const siKeys = (JSON.parse(si.stdout) as SocketRecord[]).map(key).sort();
    expect(siKeys).toEqual(nativeKeys);
    // What we opened, worked out by hand: two listeners, three connections seen from both ends (8 sockets);
    // the IPv4 client of the dual-stack listener is accepted as an IPv4-mapped IPv6 socket.
    expect(siKeys.filter((k) => k.includes("LISTEN"))).toEqual([`tcp ipv4 127.0.0.1:7100 null:null LISTEN pid=${pid}`, `tcp ipv6 :::7200 null:null LISTEN pid=${pid}`]);
    expect(siKeys.filter((k) => k.includes("ESTABLISHED"))).toHaveLength(6);
    expect(siKeys.some((k) => new RegExp(`^tcp ipv6 ::ffff:127\\.0\\.0\\.1:7200 ::ffff:127\\.0\\.0\\.1:\\d+ ESTABLISHED pid=${pid}$`).test(k))).toBe(true);
    expect(siKeys.some((k) => new RegExp(`^tcp ipv6 ::1:\\d+ ::1:7200 ESTABLISHED pid=${pid}$`).test(k))).toBe(true);
    // The other command-running Linux sources agree too (lsof on our process: it sees every namespace's processes).
    for (const args of [["--source", "linux-ss"], ["--source", "linux-netstat"], ["--source", "lsof", "--pid", String(pid)]]) {
      const run = runTcpstat([...args, "--json"], { netns: ns });
      expect(run.status, run.stderr).toBe(0);
      expect((JSON.parse(run.stdout) as SocketRecord[]).map(key).sort(), args.join(" ")).toEqual(nativeKeys);
    }
    // ss counts the same sockets.
    const ssLines = ns.run("ss", ["-Htan"]).stdout.trim().split("\n").filter((l) => l !== "");
    expect(siKeys).toHaveLength(ssLines.length);
  });
});
