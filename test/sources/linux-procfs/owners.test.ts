import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectLinux } from "../../../src/sources/linux-procfs/collect.js";
import { FdScanner, scanInodeOwners } from "../../../src/sources/linux-procfs/inode-owners.js";
import { parsePasswd } from "../../../src/sources/linux-procfs/parse-passwd.js";

describe("parsePasswd", () => {
  it("maps uids to the first name, skipping comments, blanks and broken lines", () => {
    const text = [
      "root:x:0:0:root:/root:/bin/bash",
      "# a comment:x:5:5",
      "",
      "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin",
      "toor:x:0:0:second root:/root:/bin/sh",
      "broken-line-without-fields",
      "nouid:x::1::/:/bin/false",
      "weird:x:abc:1::/:/bin/false",
      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
    ].join("\n");
    expect([...parsePasswd(text)]).toEqual([
      [0, "root"],
      [33, "www-data"],
      [65534, "nobody"],
    ]);
  });
});

/**
 * A fake /proc: the owner scan and the collector run on it through the procRoot seam.
 *
 *   100/  comm "nginx"   fd/3 -> socket:[80932], fd/4 -> socket:[80934], fd/5 -> pipe:[9]
 *   200/  comm "worker"  fd/7 -> socket:[80934] (shared after fork: both kept, the lower pid shown)
 *   300/  comm missing   fd/1 -> socket:[80956]
 *   400/  no fd dir      (a process that exited mid-scan)
 *   self, net/           (not pids)
 */
let root: string;
let etc: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "tcpstat-proc-"));
  etc = mkdtempSync(join(tmpdir(), "tcpstat-etc-"));
  const proc = (pid: number, comm: string | null, fds: Record<string, string>) => {
    mkdirSync(join(root, String(pid), "fd"), { recursive: true });
    if (comm !== null) writeFileSync(join(root, String(pid), "comm"), `${comm}\n`);
    for (const [fd, target] of Object.entries(fds)) symlinkSync(target, join(root, String(pid), "fd", fd));
  };
  proc(100, "nginx", { "3": "socket:[80932]", "4": "socket:[80934]", "5": "pipe:[9]", "0": "/dev/null" });
  proc(200, "worker", { "7": "socket:[80934]" });
  proc(300, null, { "1": "socket:[80956]" });
  mkdirSync(join(root, "400"));
  mkdirSync(join(root, "self"));
  mkdirSync(join(root, "net"));
  const fixtures = new URL("../../../fixtures/linux-procfs/netns-states/", import.meta.url);
  for (const table of ["tcp", "tcp6", "udp", "udp6"]) copyFileSync(new URL(table, fixtures), join(root, "net", table));
  writeFileSync(join(etc, "passwd"), "root:x:0:0:root:/root:/bin/bash\n");
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(etc, { recursive: true, force: true });
});

/** The answer of a scan as inode -> holders, to read it in a test. */
function holders(inodes: number[]) {
  const { counts, flat, names, denied } = scanInodeOwners(root, Float64Array.from(inodes));
  const out: Record<number, Array<{ pid: number; process: string; fd: number }>> = {};
  let at = 0;
  inodes.forEach((inode, i) => {
    for (let k = 0; k < counts[i]!; k++, at += 2) (out[inode] ??= []).push({ pid: flat[at]!, process: names.get(flat[at]!)!, fd: flat[at + 1]! });
  });
  return { out, denied };
}

describe("scanInodeOwners on a fake /proc", () => {
  it("finds every process holding each wanted socket, with its fd", () => {
    const { out, denied } = holders([80932, 80934, 80956, 99999]);
    expect(out).toEqual({
      80932: [{ pid: 100, process: "nginx", fd: 3 }],
      80934: [
        { pid: 100, process: "nginx", fd: 4 },
        { pid: 200, process: "worker", fd: 7 },
      ],
      80956: [{ pid: 300, process: "", fd: 1 }],
    });
    expect(denied).toBe(0);
  });

  it("gives the same answer when the wanted set comes mid-scan, as the worker learns it", () => {
    // The worker (owner-scan-worker.ts) scans before the tables are parsed: pid 100's sockets
    // are kept unasked, then narrowed when the wanted set comes; pid 200 and 300 are scanned after.
    const scanner = new FdScanner(root);
    expect(scanner.scanPid(100)).toBe(true);
    expect([...scanner.holderPids()]).toEqual([100]);
    const wanted = Float64Array.from([80956, 80934, 12345]);
    scanner.want(wanted);
    expect(scanner.scanPid(200)).toBe(true);
    expect(scanner.scanPid(300)).toBe(true);
    expect([...scanner.holderPids()].sort()).toEqual([100, 200, 300]);
    const { counts, flat } = scanner.answer(wanted);
    expect([...counts]).toEqual([1, 2, 0]);
    expect([...flat]).toEqual([300, 1, 100, 4, 200, 7]);
    expect(scanInodeOwners(root, wanted)).toMatchObject({ counts, flat });
  });

  it("returns nothing when nothing is wanted or /proc is missing", () => {
    expect(scanInodeOwners(root, new Float64Array(0)).flat.length).toBe(0);
    expect(scanInodeOwners(join(root, "does-not-exist"), Float64Array.from([80932])).flat.length).toBe(0);
  });
});

describe("collectLinux on the fake /proc", () => {
  it("reads the four tables, names owners and users", () => {
    const { records, problems, notices } = collectLinux({
      protos: ["tcp", "udp"],
      families: ["ipv4", "ipv6"],
      owners: true,
      procRoot: root,
      etcRoot: etc,
    });
    expect(problems).toEqual([]);
    expect(notices).toEqual([]);
    expect(records).toHaveLength(12 + 8 + 2 + 4);
    const byInode = (inode: number) => records.find((r) => r.inode === inode);
    expect(byInode(80932)).toMatchObject({ localPort: 11000, state: "LISTEN", pid: 100, process: "nginx", user: "root" });
    // Shared after fork: both holders kept, the lower pid shown.
    expect(byInode(80934)).toMatchObject({ pid: 100, process: "nginx" });
    expect(byInode(80934)!.owners!.map((o) => [o.pid, o.process, o.fd])).toEqual([
      [100, "nginx", 4],
      [200, "worker", 7],
    ]);
    expect(byInode(80956)).toMatchObject({ proto: "udp", pid: 300, process: "" });
    expect(byInode(80933)).toMatchObject({ pid: null, process: null, user: "root" });
    const tw = records.find((r) => r.state === "TIME_WAIT");
    expect(tw).toMatchObject({ pid: null, uid: null, user: null });
  });

  it("selects protocols and families before parsing, and skips owners when asked", () => {
    const { records } = collectLinux({ protos: ["udp"], families: ["ipv6"], owners: false, procRoot: root, etcRoot: etc });
    expect(records.map((r) => [r.localAddress, r.localPort, r.pid])).toEqual([
      ["::1", 12050, null],
      ["::1", 12051, null],
      ["::", 13050, null],
      ["::ffff:127.0.0.1", 13051, null],
    ]);
  });

  it("carries on without /etc/passwd and without an IPv6 table", () => {
    const bare = mkdtempSync(join(tmpdir(), "tcpstat-bare-"));
    mkdirSync(join(bare, "net"));
    copyFileSync(join(root, "net", "udp"), join(bare, "net", "udp"));
    const { records } = collectLinux({ protos: ["udp"], families: ["ipv4", "ipv6"], owners: true, procRoot: bare, etcRoot: bare });
    expect(records.map((r) => [r.localPort, r.user])).toEqual([
      [11050, null],
      [11051, null],
    ]);
    rmSync(bare, { recursive: true, force: true });
  });
});
