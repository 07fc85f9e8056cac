import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { BIN } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { holdConnections, type Load } from "./load.js";

/**
 * tcpstat run by an unprivileged user (nobody, via setpriv) in a namespace where root and
 * nobody each hold a listener and a connection: every socket is listed, nobody's own owners
 * are shown, root's are not, one notice says why, and the run exits 0. The same holds for
 * summary, metrics, explain and doctor, which read sockets through the same path.
 */

const NOBODY = ["--reuid=65534", "--regid=65534", "--clear-groups"];
const HOLDER = String.raw`
import socket, sys, time
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen()
c = socket.create_connection(srv.getsockname())
a, _ = srv.accept()
print(srv.getsockname()[1], flush=True)
time.sleep(600)
`;

// The system python: one under root's home (pyenv) is out of nobody's reach.
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

let ns: Netns;
const port: Record<"root" | "nobody", number> = { root: 0, nobody: 0 };

async function hold(asNobody: boolean): Promise<number> {
  const child: ChildProcess = asNobody ? ns.spawn("setpriv", [...NOBODY, PYTHON, "-c", HOLDER]) : ns.spawn(PYTHON, ["-c", HOLDER]);
  return Number(await lineFrom(child, "the socket holder"));
}

beforeAll(async () => {
  ns = createNetns();
  port.root = await hold(false);
  port.nobody = await hold(true);
});

afterAll(() => ns?.close());

function asNobody(args: readonly string[], netns: Netns = ns) {
  const env = { ...process.env, NO_COLOR: "1", HOME: "/" };
  return netns.run("setpriv", [...NOBODY, process.execPath, BIN, ...args], { env });
}

const NOTICE = /^tcpstat: not all processes could be identified: .*run as root to see every owner\.$/;

describe("as an unprivileged user", () => {
  it("lists every socket ss lists, with the owners it may see, one notice, exit 0", () => {
    const ss = ns.run("ss", ["-tanH"]).stdout.trim().split("\n");
    expect(ss).toHaveLength(6); // two listeners, two connections of two ends each
    const { status, stdout, stderr } = asNobody(["--json"]);
    expect(status).toBe(0);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr.trim()).toMatch(NOTICE);
    const records: Array<{ localPort: number; state: string; pid: number | null; process: string | null }> = JSON.parse(stdout);
    expect(records).toHaveLength(ss.length);
    const listener = (p: number) => records.find((r) => r.localPort === p && r.state === "LISTEN")!;
    expect(listener(port.nobody)).toMatchObject({ process: "python3" });
    expect(listener(port.nobody).pid).toBeGreaterThan(0);
    expect(listener(port.root)).toMatchObject({ pid: null, process: null });
  });

  it("--quiet keeps the notice back", () => {
    const { status, stderr } = asNobody(["--quiet"]);
    expect([status, stderr]).toEqual([0, ""]);
  });

  it("summary counts every socket and says once that some owners are hidden", () => {
    const { status, stdout, stderr } = asNobody(["summary", "--by", "process", "--json"]);
    expect(status).toBe(0);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr.trim()).toMatch(NOTICE);
    const summary = JSON.parse(stdout);
    expect(summary.total).toBe(6);
    expect(summary.tcp.states).toMatchObject({ LISTEN: 2, ESTABLISHED: 4 });
    const keys = summary.by.top.map((g: { key: string; count: number }) => [g.key.replace(/^\d+\//, "PID/"), g.count]);
    // nobody's python3 holds its listener and both ends of its connection; root's three are unknown.
    expect(keys).toEqual(expect.arrayContaining([["PID/python3", 3], ["-", 3]]));
  });

  it("metrics exports every socket, exit 0, with the notice on stderr only", () => {
    const { status, stdout, stderr } = asNobody(["metrics"]);
    expect(status).toBe(0);
    expect(stderr.trim()).toMatch(NOTICE);
    expect(stdout).toMatch(/^tcpstat_sockets\{proto="tcp",family="ipv4",state="LISTEN"\} 2$/m);
    expect(stdout).toMatch(/^tcpstat_sockets\{proto="tcp",family="ipv4",state="ESTABLISHED"\} 4$/m);
    expect(stdout).not.toMatch(/not all processes/);
  });

  it.each([["explain"], ["explain", "LISTEN"], ["doctor"]])("%s runs without owners it may not read", (...args) => {
    const { status, stderr } = asNobody(args);
    // doctor exits 3 when it finds trouble; neither may fail for lack of privilege.
    expect([0, 3]).toContain(status);
    expect(stderr).not.toMatch(/EACCES|EPERM|permission denied|Error:/i);
    expect(stderr.trim().split("\n").filter(Boolean).length).toBeLessThanOrEqual(1);
  });
});

describe("as an unprivileged user on a busy machine (the threaded owner scan)", () => {
  let busy: Netns;
  let load: Load;

  beforeAll(async () => {
    busy = createNetns();
    load = await holdConnections(busy, 1, 3500); // 7001 sockets: past the point where the scan runs in a worker
  });

  afterAll(() => {
    load?.stop();
    busy?.close();
  });

  it("lists them all, one notice, exit 0", () => {
    const r = asNobody(["--ndjson"], busy);
    expect(r.status).toBe(0);
    expect(r.stderr.trim()).toMatch(NOTICE);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(load.sockets);
    // root holds them all: no owner can be seen.
    expect(lines.every((l) => JSON.parse(l).pid === null)).toBe(true);
  });
});
