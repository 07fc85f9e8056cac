import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

/**
 * The owner scan on a fake /proc tree (the procRoot seam) where processes deny access or
 * vanish mid-scan. As root we cannot be refused, so the refusals come from a thin wrapper
 * around node:fs that throws the errno the kernel would for chosen paths; everything else
 * is real files and symlinks.
 */
const faults = vi.hoisted(() => new Map<string, string>());

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const guard =
    <A extends unknown[], R>(fn: (path: string, ...rest: A) => R) =>
    (path: string, ...rest: A): R => {
      for (const [suffix, code] of faults) {
        if (String(path).endsWith(suffix)) throw Object.assign(new Error(`${code}: ${path}`), { code });
      }
      return fn(path, ...rest);
    };
  const wrapped = {
    ...fs,
    readdirSync: guard(fs.readdirSync as (p: string, ...r: unknown[]) => unknown),
    readlinkSync: guard(fs.readlinkSync as (p: string, ...r: unknown[]) => unknown),
    readFileSync: guard(fs.readFileSync as (p: string, ...r: unknown[]) => unknown),
  };
  return { ...wrapped, default: wrapped };
});

const { scanInodeOwners } = await import("../../../src/sources/linux-procfs/inode-owners.js");
const { collectLinux } = await import("../../../src/sources/linux-procfs/collect.js");

let root: string;

/** /proc/<pid>/fd/<fd> -> socket:[inode] links and a comm file. */
function proc(pid: number, comm: string, sockets: Record<number, number | string>) {
  mkdirSync(join(root, String(pid), "fd"), { recursive: true });
  writeFileSync(join(root, String(pid), "comm"), `${comm}\n`);
  for (const [fd, target] of Object.entries(sockets))
    symlinkSync(typeof target === "number" ? `socket:[${target}]` : target, join(root, String(pid), "fd", fd));
}

const ROW = (inode: number, port: number) =>
  `   0: 0100007F:${port.toString(16).toUpperCase().padStart(4, "0")} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0`;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "tcpstat-fakeproc-"));
  proc(1, "init", { 0: "/dev/null", 3: 1001 });
  proc(20, "denied", { 3: 1002 }); // fd table refused: EACCES
  proc(30, "gone", { 3: 1003 }); // exited before its fd table was read: ENOENT
  proc(40, "racer", { 3: 1004, 4: 1005 }); // fd 3 closed between readdir and readlink: ESRCH
  proc(50, "nocomm", { 3: 1006 }); // exited between readlink and reading comm
  proc(60, "shared", { 7: 1007 });
  proc(61, "child", { 7: 1007 }); // the same socket after fork: both kept, the lowest pid shown
  proc(70, "evil\x1b[2J", { 3: 1008 });
  mkdirSync(join(root, "self"));
  mkdirSync(join(root, "net"));
  mkdirSync(join(root, "sys"));
  writeFileSync(join(root, "net", "tcp"), ["  sl  local_address rem_address   st tx_queue", ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => ROW(1000 + i, 8000 + i))].join("\n") + "\n");
  writeFileSync(join(root, "net", "udp"), "");
  faults.set("/20/fd", "EACCES");
  faults.set("/30/fd", "ENOENT");
  faults.set("/40/fd/3", "ESRCH");
  faults.set("/50/comm", "ENOENT");
});

afterAll(() => {
  faults.clear();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("owner scan on a fake /proc with refusals and races", () => {
  it("keeps every owner it can read, counts refusals, and never throws", () => {
    const wanted = [1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009];
    const { counts, flat, names, denied } = scanInodeOwners(root, Float64Array.from(wanted));
    expect(denied).toBe(1);
    expect([...counts]).toEqual([1, 0, 0, 0, 1, 1, 2, 1, 0]);
    const pids = [...flat].filter((_, i) => i % 2 === 0);
    expect(pids.map((pid) => [pid, names.get(pid)])).toEqual([
      [1, "init"],
      [40, "racer"],
      [50, ""],
      [60, "shared"],
      [61, "child"],
      [70, "evil\x1b[2J"],
    ]);
  });

  it("a procRoot that cannot be listed gives no owners and no error", () => {
    const none = scanInodeOwners(join(root, "missing"), Float64Array.from([1]));
    expect([[...none.counts], none.flat.length, none.denied]).toEqual([[0], 0, 0]);
  });

  it("collectLinux lists every socket, owners where readable, and one notice about the rest", () => {
    const result = collectLinux({ protos: ["tcp", "udp"], families: ["ipv4", "ipv6"], owners: true, procRoot: root, etcRoot: join(root, "missing") });
    expect(result.problems).toEqual([]);
    expect(result.records.map((r) => [r.localPort, r.pid, r.process])).toEqual([
      [8001, 1, "init"],
      [8002, null, null],
      [8003, null, null],
      [8004, null, null],
      [8005, 40, "racer"],
      [8006, 50, ""],
      [8007, 60, "shared"],
      [8008, 70, "evil\x1b[2J"],
      [8009, null, null],
    ]);
    expect(result.notices).toHaveLength(1);
    // As root (the tests' user) the notice says what root could not read; as another user, how many hid.
    expect(result.notices[0]).toMatch(/not all processes could be identified: (the \/proc\/PID\/fd of )?1 process/);
  });
});
