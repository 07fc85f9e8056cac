import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { SocketRecordSchema, type SocketRecord } from "../../src/model/socket.js";
import { SummarySchema } from "../../src/model/report.js";

/**
 * Every holder of a socket, in a fresh namespace: a pre-fork server whose four workers share
 * its listener (the parent closed its copy), a listener a "systemd" passed to an "sshd"
 * (socket activation), and listeners held by processes whose names play with ss's quoting.
 * Checked against `ss -tlnp`, live and replayed (ss and lsof captures).
 */

const HELPER = fileURLToPath(new URL("./shared-holders.py", import.meta.url));
const FORKED = 18_701;
const ACTIVATED = 18_702;
/** Names ss prints between quotes without escaping: none may set a field, hide the owner or lose the row. */
const NAMES: Array<[port: number, name: string, escaped: string]> = [
  [18_711, " uid:0 ino:7 x", " uid:0 ino:7 x"],
  [18_712, 'a"b",pid=9,fd=9', 'a\\"b\\",pid=9,fd=9'],
  [18_713, "new\nline", "new\\nline"],
  // (no ")" in a name: ss itself cuts a name there, reading /proc/PID/stat)
  [18_714, 'q",("z', 'q\\",(\\"z'],
];

let ns: Netns;
let workers: number[];
let activated: number[];
const named = new Map<number, number>();
let dir: string;

async function start(args: string[]): Promise<number[]> {
  const child: ChildProcess = ns.spawn("python3", [HELPER, ...args]);
  const pids = await lineFrom(child, `holder ${args.join(" ")}`, /^ready ([\d ]+)\n/m);
  return pids.split(" ").map(Number);
}

beforeAll(async () => {
  ns = createNetns();
  dir = mkdtempSync(join(tmpdir(), "i14-holders-"));
  workers = await start(["forked", String(FORKED), "4"]);
  activated = await start(["activated", String(ACTIVATED)]);
  for (const [port, , escaped] of NAMES) named.set(port, (await start(["named", String(port), escaped]))[0]!);
}, 60_000);

afterAll(() => {
  ns?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const json = (args: string[]): SocketRecord[] => {
  const r = runTcpstat([...args, "--json"], { netns: ns });
  expect(r.status, r.stderr).toBe(0);
  const records = JSON.parse(r.stdout) as SocketRecord[];
  for (const rec of records) SocketRecordSchema.parse(rec);
  return records;
};
const at = (records: SocketRecord[], port: number) => records.filter((r) => r.localPort === port && r.state === "LISTEN");
/** The holders ss -p names for the listener on port, as pid list, lowest first. */
const ssHolders = (port: number) => {
  const line = ns.run("ss", ["-tlnpH", `sport = :${port}`]).stdout;
  return [...line.matchAll(/pid=(\d+),fd=(\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
};

describe("a forked server with four workers", () => {
  it("--json lists the four workers as owners of the shared listener, as ss -p does", () => {
    const [listener] = at(json(["-l"]), FORKED);
    expect(listener).toBeDefined();
    expect(listener!.owners!.map((o) => o.pid)).toEqual(ssHolders(FORKED));
    expect(listener!.owners!.map((o) => [o.pid, o.process, o.user])).toEqual(workers.map((pid, i) => [pid, `worker-${i + 1}`, "root"]));
    for (const o of listener!.owners!) expect(o.fd).toBe(Number(/fd=(\d+)/.exec(ns.run("ss", ["-tlnpH", `sport = :${FORKED}`]).stdout)![1]));
    expect([listener!.pid, listener!.process]).toEqual([workers[0], "worker-1"]);
  });

  it("--pid of any worker, and --process of any worker's name, find the listener", () => {
    for (const [i, pid] of workers.entries()) {
      expect(at(json(["--pid", String(pid)]), FORKED), `worker ${pid}`).toHaveLength(1);
      expect(at(json(["--process", `worker-${i + 1}`]), FORKED), `worker-${i + 1}`).toHaveLength(1);
    }
  });

  it("the table shows one holder and +3", () => {
    const r = runTcpstat(["-l", "--port", String(FORKED)], { netns: ns });
    // -l adds the Exposure column (issue 19) before the holder.
    expect(r.stdout).toMatch(new RegExp(`LISTEN\\s+loopback\\s+${workers[0]}/worker-1 \\+3\\s*$`, "m"));
    const gathered = runTcpstat(["-l", "--port", String(FORKED), "--pid", String(workers[3])], { netns: ns });
    expect(gathered.stdout).toContain(`${workers[0]}/worker-1 +3`);
  });

  it("summary --by process counts the socket once, under the holder shown, and says so", () => {
    const r = runTcpstat(["summary", "--by", "process", "--port", String(FORKED), "--json"], { netns: ns });
    const summary = SummarySchema.parse(JSON.parse(r.stdout));
    expect(summary.by!.top.map((g) => [g.key, g.count])).toEqual([[`${workers[0]}/worker-1`, 1]]);
    expect(summary.by!.shared).toBe(1);
    const text = runTcpstat(["summary", "--by", "process", "--port", String(FORKED)], { netns: ns }).stdout;
    expect(text).toContain("1 socket is held by several processes: each counted once, under the process shown");
  });
});

describe("a listener passed on by a supervisor", () => {
  it("is shown under the service, not under systemd, with both kept", () => {
    const [listener] = at(json(["-l"]), ACTIVATED);
    const [supervisor, service] = activated;
    expect(listener!.owners!.map((o) => [o.pid, o.process])).toEqual([
      [supervisor, "systemd"],
      [service, "sshd"],
    ]);
    expect([listener!.pid, listener!.process]).toEqual([service, "sshd"]);
    expect(runTcpstat(["-l", "--port", String(ACTIVATED)], { netns: ns }).stdout).toContain(`${service}/sshd +1`);
  });
});

describe("replayed captures keep every holder", () => {
  it("ss -tlnpe: every holder, and names that look like fields set none", () => {
    const capture = join(dir, "ss.txt");
    writeFileSync(capture, ns.run("ss", ["-tlnpe"]).stdout);
    const live = json(["-l"]);
    const replayed = json(["--input", capture]);
    expect(at(replayed, FORKED)[0]!.owners!.map((o) => o.pid)).toEqual(workers);
    expect([at(replayed, FORKED)[0]!.pid, at(replayed, ACTIVATED)[0]!.pid]).toEqual([workers[0], activated[1]]);
    for (const [port, name] of NAMES) {
      const [row] = at(replayed, port);
      expect(row, `row of '${name}'`).toBeDefined();
      // ss -e prints no uid: field for root's sockets: a uid here could only come from a name.
      expect([row!.pid, row!.process, row!.uid]).toEqual([named.get(port), name.slice(0, 15), null]);
      expect(row!.inode).toBe(at(live, port)[0]!.inode);
    }
  });

  it("lsof -F: every holder of the shared listener", () => {
    const capture = join(dir, "lsof.txt");
    const lsof = spawnSync("nsenter", ["-t", String(ns.pid), "-n", "lsof", "-nP", `-iTCP:${FORKED}`, "-sTCP:LISTEN", "-F", "pcnPtTfdL"], { encoding: "utf8" });
    writeFileSync(capture, lsof.stdout);
    const [row] = at(json(["--input", capture]), FORKED);
    expect(row!.owners!.map((o) => [o.pid, o.process])).toEqual(workers.map((pid, i) => [pid, `worker-${i + 1}`]));
  });

  it("lsof columns: every holder of the shared listener", () => {
    const capture = join(dir, "lsof-columns.txt");
    const lsof = spawnSync("nsenter", ["-t", String(ns.pid), "-n", "lsof", "-nP", `-iTCP:${FORKED}`, "-sTCP:LISTEN"], { encoding: "utf8" });
    writeFileSync(capture, lsof.stdout);
    const [row] = at(json(["--input", capture]), FORKED);
    expect(row!.owners!.map((o) => o.pid)).toEqual(workers);
  });
});
