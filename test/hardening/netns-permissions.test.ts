import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { BIN, runTcpstat } from "../helpers/cli.js";
import { SocketRecordSchema, type SocketRecord } from "../../src/model/socket.js";

/**
 * A network namespace the caller cannot enter: `ip netns add` made it, and only a root process
 * is inside. As nobody (setpriv), -N NAME is an error naming the namespace and what blocked it
 * (never this namespace's sockets instead); -N all lists what it can read, each record tagged,
 * and names the namespace it could not enter. Root is never told to run as root.
 */

const NS = `i14-perm-${process.pid}`;
const PORT = 18_821;
const NOBODY = ["--reuid=65534", "--regid=65534", "--clear-groups"];
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
let holder: ChildProcess;

beforeAll(async () => {
  expect(spawnSync("ip", ["netns", "add", NS]).status).toBe(0);
  spawnSync("ip", ["-n", NS, "link", "set", "lo", "up"]);
  const script = `import socket,time\ns=socket.socket();s.bind(("127.0.0.1",${PORT}));s.listen();print("ready",flush=True);time.sleep(600)`;
  holder = spawn("ip", ["netns", "exec", NS, PYTHON, "-c", script], { stdio: ["ignore", "pipe", "pipe"] });
  await lineFrom(holder, "root's listener in the namespace");
});

afterAll(() => {
  holder?.kill("SIGKILL");
  spawnSync("ip", ["netns", "del", NS]);
});

function asNobody(args: readonly string[]) {
  const r = spawnSync("setpriv", [...NOBODY, process.execPath, BIN, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1", HOME: "/" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("a namespace this user cannot enter", () => {
  it.each([[["-l"]], [["-l", "--json"]], [["summary"]], [["doctor", "-i", "0"]]])("-N NAME %j: exit 1, one line naming it and what blocked it", (args) => {
    const { status, stdout, stderr } = asNobody(["-N", NS, ...args]);
    expect(stdout).toBe("");
    expect(status).toBe(1);
    const lines = stderr.trim().split("\n");
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^tcpstat: cannot enter network namespace ${NS}: .*Operation not permitted; .*needs root`));
  });

  it("-N all: what can be read, every record tagged, and the namespace it could not enter named", () => {
    const { status, stdout, stderr } = asNobody(["-N", "all", "-l", "--json"]);
    expect(status, stderr).toBe(0);
    const records = JSON.parse(stdout) as SocketRecord[];
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) expect(SocketRecordSchema.parse(r).netns).toBeDefined();
    expect(records.some((r) => r.netns!.name === NS)).toBe(false);
    expect(stderr).toContain(`tcpstat: cannot enter network namespace ${NS}: `);
  });

  it("root reads it, and is never told to run as root", () => {
    const r = runTcpstat(["-N", "all", "-l", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const records = JSON.parse(r.stdout) as SocketRecord[];
    expect(records.filter((x) => x.netns?.name === NS).map((x) => x.localPort)).toEqual([PORT]);
    expect(r.stderr).not.toMatch(/run as root/);
    expect(runTcpstat(["-N", NS, "-l"]).stderr).not.toMatch(/run as root/);
  });
});
