import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HolderCache } from "../../../src/commands/top/holder-cache.js";
import { extraText } from "../../../src/commands/top/view.js";
import { RecordReuse } from "../../../src/lib/record-reuse.js";
import type { ProcRow } from "../../../src/model/socket-row.js";

/**
 * top keeps a socket's record from one reading to the next while nothing the table shows of it
 * changes (lib/record-reuse.ts), and gives it the holders of the last scan at each reading: the
 * record must then show who holds the socket now, not who held it when it was first read, with
 * the unit and container of that holder's cgroup. On a fake /proc tree (the procRoot seam): real
 * directories, socket:[inode] links and cgroup files.
 */
let root: string;

function proc(pid: number, comm: string, fds: Record<number, number>, cgroup: string) {
  mkdirSync(join(root, String(pid), "fd"), { recursive: true });
  writeFileSync(join(root, String(pid), "comm"), `${comm}\n`);
  writeFileSync(join(root, String(pid), "cgroup"), `0::${cgroup}\n`);
  for (const [fd, inode] of Object.entries(fds)) symlinkSync(`socket:[${inode}]`, join(root, String(pid), "fd", fd));
}

const ROW: ProcRow = {
  proto: "tcp", family: "ipv4", localAddress: "127.0.0.1", localPort: 8080, remoteAddress: "127.0.0.1", remotePort: 51000, state: "ESTABLISHED",
  recvQ: 0, sendQ: 0, uid: 0, user: "root", inode: 4242, timerKind: null, expiresInMs: 0, retransmits: 0,
};

/** One reading of the socket, its holders attached as top's refresh does. */
async function reading(reuse: RecordReuse, cache: HolderCache) {
  reuse.begin();
  reuse.row({ ...ROW });
  const [record] = reuse.end();
  await cache.scan(Float64Array.of(ROW.inode!));
  expect(cache.attach(record!)).toBe(true);
  return record!;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "tcpstat-holders-"));
  proc(300, "server", { 5: 4242 }, "/system.slice/web.service");
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("HolderCache on records kept from one reading to the next", () => {
  it("shows the holder of now: a new one after a hand-over, none once it let go", async () => {
    const reuse = new RecordReuse();
    const cache = new HolderCache(root, join(root, "no-etc"));
    const first = await reading(reuse, cache);
    expect([first.pid, first.process, first.owners?.map((o) => o.pid)]).toEqual([300, "server", [300]]);
    // Its unit and container, as --who reads them from its cgroup, and as top's columns show them.
    expect([extraText(first, "unit"), extraText(first, "container")]).toEqual(["web.service", null]);

    // The socket passed to another process (a fork, then the parent closed its descriptor).
    proc(301, "worker", { 9: 4242 }, "/lxc.payload.box1");
    unlinkSync(join(root, "300", "fd", "5"));
    const second = await reading(reuse, cache);
    expect(second).toBe(first); // the same record, read again unchanged
    expect([second.pid, second.process, second.owners?.map((o) => [o.pid, o.fd])]).toEqual([301, "worker", [[301, 9]]]);
    expect([extraText(second, "unit"), extraText(second, "container")]).toEqual([null, "box1"]);
    expect(second.owners![0]!.container).toEqual({ runtime: "lxc", id: "box1", name: "box1" });

    // No process found holding it any more (say, one this user cannot read).
    unlinkSync(join(root, "301", "fd", "9"));
    const third = await reading(reuse, cache);
    expect(third).toBe(first);
    expect([third.pid, third.process, third.owners]).toEqual([null, null, undefined]);
    expect(extraText(third, "container")).toBeNull();
  });
});
