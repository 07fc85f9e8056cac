import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runTcpstat } from "../helpers/cli.js";
import { parseSamples } from "../format/prometheus-text.js";

/**
 * Namespaces a local user can make at will (issue 22, item 8): `-N all` reads a bounded number
 * of them (--netns-limit raises it) and says what it left out; and the helper that holds a
 * namespace without processes (nsenter) ends with tcpstat, however tcpstat ends.
 */
const NAMED = "i22-term";
const holders: ChildProcess[] = [];

beforeAll(() => {
  // Five namespaces of their own, each held by a process: -N all finds at least six.
  for (let i = 0; i < 5; i++) holders.push(spawn("unshare", ["-n", "sleep", "600"], { stdio: "ignore" }));
  spawnSync("ip", ["netns", "del", NAMED]);
  const made = spawnSync("ip", ["netns", "add", NAMED], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`ip netns add: ${made.stderr}`);
  // Wait until each holder is in its namespace.
  const own = readlink("self");
  const deadline = Date.now() + 10_000;
  while (holders.some((h) => readlink(String(h.pid)) === own || readlink(String(h.pid)) === null)) {
    if (Date.now() > deadline) throw new Error("unshare -n did not make the namespaces");
  }
});

afterAll(() => {
  for (const h of holders) h.kill("SIGKILL");
  spawnSync("ip", ["netns", "del", NAMED]);
});

function readlink(pid: string): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return null;
  }
}

describe("-N all is bounded", () => {
  it("--netns-limit 3 reads three namespaces and names what it left out", () => {
    const r = runTcpstat(["-N", "all", "--netns-limit", "3", "-a", "--no-owners", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const inodes = new Set(JSON.parse(r.stdout).map((x: { netns: { inode: number } }) => x.netns.inode));
    expect(inodes.size).toBeLessThanOrEqual(3);
    const notice = /^tcpstat: -N all read 3 of (\d+) network namespaces; left out ((?:net:\[\d+\]|[\w.-]+)(?:, (?:net:\[\d+\]|[\w.-]+))*)(?: and (\d+) more)? \(raise the bound with --netns-limit (\d+)\)\.$/m.exec(r.stderr);
    expect(notice, r.stderr).not.toBeNull();
    const [, total, shown, more, raise] = notice!;
    expect(Number(total)).toBeGreaterThanOrEqual(6);
    expect(shown!.split(", ").length + Number(more ?? 0)).toBe(Number(total) - 3);
    expect(raise).toBe(total);
  });

  it("metrics -N all --netns-limit 2 exports two namespaces' series", () => {
    const r = runTcpstat(["metrics", "-N", "all", "--netns-limit", "2", "--no-owners"]);
    expect(r.status, r.stderr).toBe(0);
    const namespaces = new Set(parseSamples(r.stdout).filter((s) => s.name === "tcpstat_sockets").map((s) => s.labels.netns));
    expect(namespaces.size).toBe(2);
    expect(r.stderr).toMatch(/-N all read 2 of \d+ network namespaces/);
  });

  it("--netns-limit without -N all, or not a number, is a usage error", () => {
    expect(runTcpstat(["--netns-limit", "3"]).stderr).toBe("tcpstat: --netns-limit applies only to -N all; add -N all, or drop --netns-limit\n");
    const bad = runTcpstat(["-N", "all", "--netns-limit", "0"]);
    expect([bad.status, bad.stderr]).toEqual([2, "tcpstat: bad --netns-limit '0'; give how many namespaces -N all may read, 1-1000000 (default 64)\n"]);
  });
});

/** Pids of the processes whose parent is `ppid`. */
function childrenOf(ppid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === ppid) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("the namespace helper", () => {
  it("ends with tcpstat when tcpstat gets SIGTERM in the middle of a read", async () => {
    const tcpstat = spawn(process.execPath, [BIN, "-N", NAMED, "--watch", "0.1"], { stdio: "ignore" });
    let helper: number | undefined;
    const deadline = Date.now() + 30_000;
    // Catch tcpstat while its helper holds the namespace: stop it there, then terminate it.
    while (helper === undefined && Date.now() < deadline) {
      const [found] = childrenOf(tcpstat.pid!);
      if (found === undefined) continue;
      process.kill(tcpstat.pid!, "SIGSTOP");
      if (alive(found) && childrenOf(tcpstat.pid!).includes(found)) helper = found;
      else process.kill(tcpstat.pid!, "SIGCONT");
    }
    expect(helper, "no helper caught").toBeDefined();
    const exited = once(tcpstat, "exit");
    process.kill(tcpstat.pid!, "SIGTERM");
    process.kill(tcpstat.pid!, "SIGCONT");
    await exited;
    // The helper goes by itself once tcpstat has gone (its pipe from tcpstat closes).
    const gone = Date.now() + 5000;
    while (alive(helper!) && Date.now() < gone) await new Promise((r) => setImmediate(r));
    const left = alive(helper!);
    if (left) process.kill(helper!, "SIGKILL");
    expect(left).toBe(false);
  });
});
