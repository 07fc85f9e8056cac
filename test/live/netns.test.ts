import { spawnSync, type ChildProcess } from "node:child_process";
import { readlinkSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { SocketRecordSchema, type SocketRecord } from "../../src/model/socket.js";
import { PROMTOOL, PROMTOOL_MISSING, parseSamples, promtoolCheck, value } from "../format/prometheus-text.js";
import { nodeComm } from "../helpers/comm.js";

/**
 * -N, --netns from the host namespace: a listener held by a process in a namespace the test
 * made (found through /proc/<pid>/ns/net), and a named namespace (ip netns add) with no
 * process inside, holding only a TIME_WAIT socket (entered with nsenter).
 */

const PORT = 15_500;
const NAME = `tcpstat-test-${process.pid}`;
const TW_PORT = 15_600;

let ns: Netns;
let listener: ChildProcess;
let listenerPid: number;
let nsInode: number;
let namedInode: number;

const inodeOf = (link: string) => Number(/^net:\[(\d+)\]$/.exec(link)![1]);
const ip = (...args: string[]) => {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const json = (args: string[]) => {
  const r = runTcpstat([...args, "--json"]);
  expect(r.status, r.stderr).toBe(0);
  const records = JSON.parse(r.stdout) as SocketRecord[];
  for (const rec of records) SocketRecordSchema.parse(rec);
  return records;
};

beforeAll(async () => {
  ns = createNetns();
  nsInode = inodeOf(readlinkSync(`/proc/${ns.pid}/ns/net`));
  listener = ns.spawn(process.execPath, ["-e", `require("net").createServer().listen(${PORT}, "127.0.0.1", () => console.log(process.pid)); setTimeout(() => {}, 600000);`]);
  listenerPid = await new Promise<number>((resolve, reject) => {
    listener.stdout!.once("data", (d: Buffer) => resolve(Number(String(d).trim())));
    listener.once("exit", (code) => reject(new Error(`listener exited ${code}`)));
  });

  // A named namespace whose only socket outlives its process: the client closes first -> TIME_WAIT.
  ip("netns", "add", NAME);
  ip("netns", "exec", NAME, "ip", "link", "set", "lo", "up");
  const script = `const net=require("net");const s=net.createServer((c)=>c.on("end",()=>c.end())).listen(${TW_PORT},"127.0.0.1",()=>{const c=net.connect(${TW_PORT},"127.0.0.1",()=>c.end());c.on("close",()=>s.close())});`;
  ip("netns", "exec", NAME, process.execPath, "-e", script);
  namedInode = inodeOf(ip("netns", "exec", NAME, "readlink", "/proc/self/ns/net").trim());
});

afterAll(() => {
  ns?.close();
  spawnSync("ip", ["netns", "del", NAME]);
});

describe("tcpstat --netns", () => {
  it("all: lists a listener held in another namespace, with its pid and namespace", () => {
    const records = json(["--netns", "all", "-l"]);
    const mine = records.filter((r) => r.localPort === PORT && r.netns?.inode === nsInode);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ state: "LISTEN", localAddress: "127.0.0.1", pid: listenerPid, process: nodeComm(), netns: { inode: nsInode, name: null } });
    // every record says where it lives; tcpstat's own namespace is there too
    for (const r of records) expect(r.netns).toBeDefined();
    expect(records.some((r) => r.netns!.inode === inodeOf(readlinkSync("/proc/self/ns/net")))).toBe(true);
  });

  it("all: includes a named namespace with no process inside, by name", () => {
    const records = json(["--netns", "all", "--state", "time-wait"]);
    const tw = records.filter((r) => r.netns?.inode === namedInode);
    expect(tw.map((r) => [r.remotePort, r.netns!.name, r.pid])).toEqual([[TW_PORT, NAME, null]]);
  });

  it("NAME: reads only that namespace, as ss does inside it", () => {
    const records = json(["--netns", NAME, "-tu"]);
    const ss = spawnSync("ip", ["netns", "exec", NAME, "ss", "-tuanH"], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
    expect(records).toHaveLength(ss.length);
    expect(ss[0]).toMatch(/^tcp\s+TIME-WAIT\s+0\s+0\s+127\.0\.0\.1:\d+\s+127\.0\.0\.1:15600/);
    expect(records[0]).toMatchObject({ state: "TIME_WAIT", remotePort: TW_PORT, netns: { inode: namedInode, name: NAME } });
  });

  it("PID and PATH: read the namespace that process is in", () => {
    for (const spec of [String(listenerPid), `/proc/${ns.pid}/ns/net`]) {
      const records = json(["--netns", spec, "-l"]);
      expect(records.map((r) => [r.localPort, r.pid, r.netns?.inode])).toEqual([[PORT, listenerPid, nsInode]]);
    }
    const named = json(["--netns", `/run/netns/${NAME}`]);
    expect(named.every((r) => r.netns?.name === NAME)).toBe(true);
  });

  it("shows a Netns column in the table", () => {
    const r = runTcpstat(["--netns", NAME]);
    expect(r.status).toBe(0);
    const [head, row] = r.stdout.split("\n");
    expect(head).toMatch(/^Netns\s+Proto\s+Recv-Q/);
    expect(row).toMatch(new RegExp(`^${NAME}\\s+tcp\\s+0\\s+0\\s+127\\.0\\.0\\.1:\\d+\\s+127\\.0\\.0\\.1:${TW_PORT}\\s+TIME_WAIT`));
    const byInode = runTcpstat(["--netns", String(listenerPid), "-l"]).stdout.split("\n")[1];
    expect(byInode).toMatch(new RegExp(`^net:\\[${nsInode}\\]\\s+tcp .*127\\.0\\.0\\.1:${PORT}.*LISTEN\\s+loopback\\s+${listenerPid}/${nodeComm()}`));
  });

  it("metrics: labels series by namespace and reads each namespace's counters", () => {
    const r = runTcpstat(["metrics", "--netns", "all"]);
    expect(r.status, r.stderr).toBe(0);
    const samples = parseSamples(r.stdout);
    expect(value(samples, "tcpstat_sockets", { netns: `net:[${nsInode}]`, proto: "tcp", family: "ipv4", state: "LISTEN" })).toBe(1);
    expect(value(samples, "tcpstat_sockets", { netns: NAME, proto: "tcp", family: "ipv4", state: "TIME_WAIT" })).toBe(1);
    // the named namespace opened exactly one connection and accepted one
    expect(value(samples, "tcpstat_tcp_active_opens_total", { netns: NAME })).toBe(1);
    expect(value(samples, "tcpstat_tcp_passive_opens_total", { netns: NAME })).toBe(1);
    if (PROMTOOL) expect(promtoolCheck(r.stdout)).toEqual({ status: 0, output: "" });
    else console.warn(PROMTOOL_MISSING);
  });

  it("rejects what is not a namespace: one line, exit 2", () => {
    for (const [spec, message] of [
      ["no-such-ns-here", /^tcpstat: no network namespace named 'no-such-ns-here' in \/run\/netns; /],
      ["999999999", /^tcpstat: no process 999999999 for --netns; /],
      ["/etc/hostname", /^tcpstat: '\/etc\/hostname' is not a network namespace file; /],
    ] as const) {
      const r = runTcpstat(["--netns", spec]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });
});
