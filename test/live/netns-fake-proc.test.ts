import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectNetns, discoverNamespaces, readInNamespace, resolveNetns } from "../../src/sources/linux-procfs/netns.js";

/**
 * Namespace discovery on a fake /proc tree (no root needed): pids 100 and 200 share
 * namespace net:[5], pid 300 is in net:[7]. /proc/<pid>/ns/net is a symlink to "net:[inode]",
 * as on Linux. Checks the pid-exits-mid-read case the live tests cannot time.
 */

const HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
// 127.0.0.1:8080 LISTEN, inode 31337 (0x1F90 = 8080)
const ROW = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31337 1 0000000000000000 100 0 0 10 0\n";

let root: string;
const proc = () => join(root, "proc");
const opts = () => ({ procRoot: proc(), runNetnsDir: join(root, "run-netns") });

function fakePid(pid: number, inode: number, tcp: string) {
  const dir = join(proc(), String(pid));
  mkdirSync(join(dir, "ns"), { recursive: true });
  mkdirSync(join(dir, "net"), { recursive: true });
  symlinkSync(`net:[${inode}]`, join(dir, "ns", "net"));
  writeFileSync(join(dir, "net", "tcp"), tcp);
  writeFileSync(join(dir, "comm"), "fake\n");
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "tcpstat-netns-"));
  fakePid(100, 5, HEADER + ROW);
  fakePid(200, 5, HEADER + ROW);
  fakePid(300, 7, HEADER);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("network namespaces on a fake /proc", () => {
  it("groups processes by namespace inode, lowest pid first", () => {
    expect(discoverNamespaces(opts())).toEqual([
      { inode: 5, name: null, pids: [100, 200], path: null },
      { inode: 7, name: null, pids: [300], path: null },
    ]);
  });

  it("resolves a pid to its namespace, and all to every one", () => {
    expect(resolveNetns("300", opts()).map((ns) => ns.inode)).toEqual([7]);
    expect(resolveNetns("200", opts()).map((ns) => ns.inode)).toEqual([5]);
    expect(resolveNetns("all", opts()).map((ns) => ns.inode)).toEqual([5, 7]);
    expect(() => resolveNetns("4242", opts())).toThrow("no process 4242 for --netns");
  });

  it("tags each record with its namespace", async () => {
    const result = await collectNetns("all", { protos: ["tcp"], families: ["ipv4", "ipv6"], owners: false, ...opts() });
    expect(result.records.map((r) => [r.localAddress, r.localPort, r.state, r.netns])).toEqual([["127.0.0.1", 8080, "LISTEN", { inode: 5, name: null }]]);
  });

  it("does not trust a process that left (or was reused) while its tables were read", async () => {
    const [ns] = discoverNamespaces(opts());
    const seen: string[] = [];
    const value = await readInNamespace(ns!, proc(), (pidDir) => {
      seen.push(pidDir);
      // pid 100 exits mid-read: its ns link is gone when checked again
      if (pidDir.endsWith("/100")) unlinkSync(join(pidDir, "ns", "net"));
      return pidDir;
    });
    expect(seen).toEqual([join(proc(), "100"), join(proc(), "200")]);
    expect(value).toBe(join(proc(), "200"));
    // no process left and no namespace file to enter: nothing to read, said as null
    unlinkSync(join(proc(), "200", "ns", "net"));
    expect(await readInNamespace(ns!, proc(), () => "x")).toBeNull();
  });
});
