import { setOwners } from "../../lib/owners.js";
import type { Owner, SocketRecord } from "../../model/socket.js";
import { answerOwners, deniedNotice, holderUser, type HolderWhere } from "../../sources/linux-procfs/collect.js";
import { startOwnerScan, type OwnerAnswer } from "../../sources/linux-procfs/owner-scan.js";
import { readUsers } from "../../sources/linux-procfs/read-tables.js";
import { turn } from "./turn.js";

/**
 * The holders of the sockets, kept between refreshes: the owner scan (every process's
 * descriptors read, most of a refresh at 100k sockets) runs in its worker thread at a cadence
 * of its own, and a refresh gives each socket the holders the last scan found for its inode.
 * A socket newer than that scan is "not read yet" (the screen says so) until the next one.
 * Each scan's answer replaces the last: inodes gone are dropped with it.
 *
 *   cache.scan(inodes)          // in the background; resolves when its answer is in
 *   cache.attach(record)        // false: this socket's holders are not read yet
 */
interface Holding {
  owners: Owner[];
  pid: number | null;
  process: string | null;
}

/** Sockets between two turns of the event loop while an answer is taken in. */
const CHUNK = 4000;

export class HolderCache {
  /** Inode -> its holders, null for none found, for the inodes the last scan was asked about. */
  private held = new Map<number, Holding | null>();
  /** Pid -> its unit and container, for the holders of the last scan (each process read once). */
  private where = new Map<number, HolderWhere>();
  private running: Promise<void> | null = null;
  /** The last scan's end (performance.now()) and its cost, null before the first. */
  last: { end: number; costMs: number } | null = null;
  notice: string | null = null;

  constructor(
    private readonly procRoot = "/proc",
    private readonly etcRoot = "/etc",
  ) {}

  get scanning(): boolean {
    return this.running !== null;
  }

  /** Resolves when the running scan's answer is in (at once when none runs). */
  get done(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Starts a scan unless one runs; resolves when the running one's answer is in. */
  scan(inodes: Float64Array): Promise<void> {
    this.running ??= this.run(inodes).finally(() => (this.running = null));
    return this.running;
  }

  private async run(inodes: Float64Array): Promise<void> {
    const started = performance.now();
    const answer = await (await startOwnerScan(this.procRoot)).finish(inodes);
    const users = readUsers(this.etcRoot);
    const { where, notice } = await this.readWhere(answer);
    const { counts } = answer;
    const held = new Map<number, Holding | null>();
    let found = 0;
    for (let i = 0, at = 0; i < inodes.length; i++) {
      if (i % CHUNK === CHUNK - 1) await turn();
      const n = counts[i]!;
      if (n === 0) {
        held.set(inodes[i]!, null);
        continue;
      }
      // One holder, the same as the last scan found (most sockets, most scans): its holding kept,
      // not made again while the last is still held (at 100k, about 15 MB a scan).
      const before = n === 1 ? this.held.get(inodes[i]!) : undefined;
      if (before && sameHolder(before, answer, users, at, where)) {
        held.set(inodes[i]!, before);
        at += 2;
        found++;
        continue;
      }
      // The holder shown chosen as every listing chooses it (lib/owners.ts), on the holding itself.
      const h: Holding = { owners: [], pid: null, process: null };
      setOwners(h as SocketRecord, answerOwners(answer, users, n, at, true, where));
      at += 2 * n;
      held.set(inodes[i]!, h);
      found++;
    }
    this.held = held;
    this.notice = answer.denied > 0 && found < inodes.length ? deniedNotice(answer.denied) : notice;
    this.last = { end: performance.now(), costMs: performance.now() - started };
  }

  /**
   * The unit and container of every holder of this answer: those of the last scan kept, the
   * others' cgroups read (lib --who's reader, sources/who/read-who.ts), the runtimes asked their
   * containers' names once a scan that found new ones. A process gone meanwhile has neither.
   */
  private async readWhere(answer: OwnerAnswer): Promise<{ where: Map<number, HolderWhere>; notice: string | null }> {
    const where = new Map<number, HolderWhere>();
    const fresh: Array<{ owners: Owner[] }> = [];
    for (let at = 0; at < answer.flat.length; at += 2) {
      const pid = answer.flat[at]!;
      if (where.has(pid)) continue;
      const known = this.where.get(pid);
      where.set(pid, known ?? { unit: null, container: null });
      if (!known) fresh.push({ owners: [{ pid, process: answer.names.get(pid) ?? null, user: null, fd: null }] });
    }
    let notice: string | null = null;
    if (fresh.length > 0) {
      const { WhoReader, addWho } = await import("../../sources/who/read-who.js");
      const notices: string[] = [];
      await addWho(fresh, notices, new WhoReader(this.procRoot, "cgroup"));
      for (const r of fresh) {
        const o = r.owners[0]!;
        where.set(o.pid, { unit: o.unit ?? null, container: o.container ?? null });
      }
      // Said once for the processes that brought it (the runtime not answering, say).
      notice = notices.find((n) => n.startsWith("container names")) ?? null;
    }
    this.where = where;
    return { where, notice };
  }

  /** Gives `r` the holders found for its inode; false when no scan was asked about it yet. */
  attach(r: SocketRecord): boolean {
    // No inode: a TIME_WAIT or not yet accepted socket, which no process holds.
    if (r.inode === null || r.inode === 0) return true;
    const h = this.held.get(r.inode);
    if (h === undefined) return false;
    if (h !== null) {
      r.owners = h.owners;
      r.pid = h.pid;
      r.process = h.process;
    } else if (r.owners !== undefined) {
      // A record of the last reading (lib/record-reuse.ts) whose holders have since let go.
      r.owners = undefined;
      r.pid = null;
      r.process = null;
    }
    return true;
  }
}

/** Whether `before` is one holder, the one an answer gives at flat[at] (pid, fd, name, user, unit and container alike). */
function sameHolder(before: Holding, answer: OwnerAnswer, users: ReadonlyMap<number, string>, at: number, where: ReadonlyMap<number, HolderWhere>): boolean {
  if (before.owners.length !== 1) return false;
  const o = before.owners[0]!;
  const pid = answer.flat[at]!;
  if (o.pid !== pid || o.fd !== answer.flat[at + 1] || o.process !== (answer.names.get(pid) ?? "") || o.user !== holderUser(answer, users, pid)) return false;
  const w = where.get(pid);
  // Kept from the last scan, the same objects: compared as they are.
  return o.unit === w?.unit && o.container === w?.container;
}
