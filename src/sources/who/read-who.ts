import { readFileSync, readdirSync } from "node:fs";
import type { Container, Owner, SocketRecord } from "../../model/socket.js";
import { parseCgroup, type CgroupFacts } from "./parse-cgroup.js";
import { dockerNames, dockerSockets } from "./docker-api.js";
import { readKubeIndex, type KubeIndex } from "./kube-pods.js";

/**
 * Each holder of a socket, fully (--who): command line, parent, start time, systemd unit and
 * container. Every process is read once (stat, cmdline, cgroup), however many sockets it holds;
 * the runtimes are asked once a run, only when a container was found.
 *
 *   /proc/812/stat     "812 (postgres) S 1 ... <starttime ticks> ..."  -> ppid 1, started
 *   /proc/812/cmdline  "postgres\0-D\0/var/lib/postgresql\0"           -> "postgres -D /var/lib/postgresql"
 *   /proc/812/cgroup   see parse-cgroup.ts                             -> unit, container
 */
/** Which facts to read: everything (--who), or the cgroup's unit and container only (filters, --by, metrics, doctor). */
export type WhoFields = "all" | "cgroup";

interface ProcFacts {
  /** Absent when only the cgroup was asked for. */
  process?: { name: string; cmdline: string | null; ppid: number; startedAt: string | null } | null;
  cgroup: CgroupFacts;
}

/** USER_HZ: the unit of /proc/PID/stat's times, 100 on every Linux architecture in use. */
const TICKS_PER_SECOND = 100;

/** "812 (na)me) S 1 ..." -> name, ppid and start time in ticks after boot; the name may hold ")" and spaces. */
export function parseStat(text: string): { name: string; ppid: number; startTicks: number } | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const f = text.slice(close + 2).split(" ", 20);
  const ppid = Number(f[1]);
  const startTicks = Number(f[19]);
  return Number.isSafeInteger(ppid) && Number.isSafeInteger(startTicks) ? { name: text.slice(open + 1, close), ppid, startTicks } : null;
}

/** The arguments of /proc/PID/cmdline joined by spaces; null when empty (a kernel thread, a zombie). */
export function parseCmdline(text: string): string | null {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
  return end === 0 ? null : text.slice(0, end).replaceAll("\0", " ");
}

/** A /proc file as text, or null when the process is gone. readFileSync with an encoding takes Node's one-call path. */
const read = (path: string): string | null => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
};

function bootTime(procRoot: string): number | null {
  const m = /^btime (\d+)$/m.exec(read(`${procRoot}/stat`) ?? "");
  return m ? Number(m[1]) : null;
}

/**
 * Reads processes' facts, each once: its cgroup always, its stat and cmdline only for `fields`
 * "all"; a cgroup text shared by many processes (a server's workers) is parsed once. Fed the
 * holders while the owner scan runs (CollectOptions.onHolders), then asked by addWho.
 */
export class WhoReader {
  readonly facts = new Map<number, ProcFacts | null>();
  private readonly parsed = new Map<string, CgroupFacts>();
  private readonly btime: number | null;

  constructor(
    readonly procRoot = "/proc",
    readonly fields: WhoFields = "all",
  ) {
    this.btime = fields === "all" ? bootTime(procRoot) : null;
  }

  /**
   * Reads these pids now (those not read yet), and gives back their names as their stat has
   * them (null: not read), for the owner scan, which then need not read their comm.
   */
  prefetch(pids: ArrayLike<number>): Array<string | null> {
    const names: Array<string | null> = [];
    for (let i = 0; i < pids.length; i++) {
      const pid = pids[i]!;
      let f = this.facts.get(pid);
      if (f === undefined) this.facts.set(pid, (f = this.read(pid)));
      names.push(f?.process?.name ?? null);
    }
    return names;
  }

  get(pid: number): ProcFacts | null {
    let f = this.facts.get(pid);
    if (f === undefined) this.facts.set(pid, (f = this.read(pid)));
    return f;
  }

  private read(pid: number): ProcFacts | null {
    const { procRoot } = this;
    const cgroupText = read(`${procRoot}/${pid}/cgroup`);
    if (cgroupText === null) return null;
    let cgroup = this.parsed.get(cgroupText);
    if (cgroup === undefined) this.parsed.set(cgroupText, (cgroup = parseCgroup(cgroupText)));
    if (this.fields !== "all") return { cgroup };
    const stat = read(`${procRoot}/${pid}/stat`);
    const st = stat === null ? null : parseStat(stat);
    if (st === null) return null;
    const cmd = read(`${procRoot}/${pid}/cmdline`);
    const startedAt = this.btime === null ? null : new Date((this.btime + st.startTicks / TICKS_PER_SECOND) * 1000).toISOString();
    return { cgroup, process: { name: st.name, cmdline: cmd === null ? null : parseCmdline(cmd), ppid: st.ppid, startedAt } };
  }
}

/** What every holder of one process gets (--who): the same values for all its sockets. */
interface ProcWho {
  cmdline: string | null;
  ppid: number | null;
  parent: string | null;
  startedAt: string | null;
  unit: string | null;
  container: Container | null;
  read: boolean;
}

/**
 * Gives every holder of the records its --who fields (all, or the unit and container only), each
 * process read once however many sockets it holds; the runtimes are asked once, only when a
 * container was found. The fields are worked out once a process, and each holder is remade
 * whole with them (one object of its final shape, not six properties added to it one by one):
 * at 10k sockets that loop was most of addWho's time (BENCHMARKS.md, issue 19).
 */
export async function addWho(records: ReadonlyArray<Pick<SocketRecord, "owners">>, notices: string[], reader = new WhoReader()): Promise<void> {
  const all = reader.fields === "all";
  const { procRoot } = reader;
  // The name of each holding process (the parent's name needs no read when it holds a socket too).
  const names = new Map<number, string | null>();
  const facts = new Map<number, ProcFacts | null>();
  for (let k = 0; k < records.length; k++) {
    const owners = records[k]!.owners;
    if (owners === undefined) continue;
    for (let i = 0; i < owners.length; i++) {
      const { pid, process } = owners[i]!;
      if (facts.has(pid)) continue;
      facts.set(pid, reader.get(pid));
      if (process !== null) names.set(pid, process);
    }
  }
  const nameOf = (pid: number) => {
    if (!names.has(pid)) names.set(pid, read(`${procRoot}/${pid}/comm`)?.replace(/\n$/, "") ?? null);
    return names.get(pid)!;
  };

  const found = [...facts.values()].map((f) => f?.cgroup.container).filter((c): c is NonNullable<CgroupFacts["container"]> => Boolean(c));
  const names_ = await containerNames(found, notices);
  // One container record per container found: the processes in it and their sockets share it.
  const containers = new Map<object, Container>();
  const who = new Map<number, ProcWho>();
  for (const [pid, f] of facts) {
    const p = f?.process;
    const c = f?.cgroup.container;
    let container = c ? containers.get(c) : null;
    if (container === undefined) containers.set(c!, (container = names_(c!)));
    who.set(pid, {
      cmdline: p?.cmdline ?? null,
      ppid: p?.ppid ?? null,
      parent: p && p.ppid > 0 ? nameOf(p.ppid) : null,
      startedAt: p?.startedAt ?? null,
      unit: f?.cgroup.unit ?? null,
      container,
      read: Boolean(f),
    });
  }
  let unread = 0;
  for (let k = 0; k < records.length; k++) {
    const owners = records[k]!.owners;
    if (owners === undefined) continue;
    for (let i = 0; i < owners.length; i++) {
      const o = owners[i]!;
      const w = who.get(o.pid)!;
      if (!w.read) unread++;
      owners[i] = all
        ? { pid: o.pid, process: o.process, user: o.user, fd: o.fd, cmdline: w.cmdline, ppid: w.ppid, parent: w.parent, startedAt: w.startedAt, unit: w.unit, container: w.container }
        : { pid: o.pid, process: o.process, user: o.user, fd: o.fd, unit: w.unit, container: w.container };
    }
  }
  if (unread > 0) notices.push(`${unread} holder${unread === 1 ? "" : "s"} exited before their ${all ? "details" : "cgroup"} could be read: ${all ? "their --who fields are" : "unit and container are"} null`);
}

type Found = NonNullable<CgroupFacts["container"]>;

/** A function naming each container found, the runtimes asked once; a notice when one cannot say. */
async function containerNames(found: Found[], notices: string[]): Promise<(c: Found) => Container> {
  let docker: Map<string, string> | null = null;
  if (found.some((c) => c.runtime === "docker" || c.runtime === "podman")) {
    const sockets = dockerSockets();
    const answer = await dockerNames(sockets);
    if (answer instanceof Map) docker = answer;
    else notices.push(`container names unknown: the Docker/Podman API did not answer (${answer.error}); ids shown`);
  }
  let kube: KubeIndex | null = null;
  if (found.some((c) => c.podUid !== undefined)) kube = readKubeIndex();
  return (c) => {
    const { podUid, ...rest } = c;
    const out: Container = { ...rest, name: c.runtime === "lxc" ? c.id : (docker?.get(c.id) ?? null) };
    if (podUid !== undefined) {
      const pod = kube?.pods.get(podUid);
      const container = kube?.containers.get(c.id) ?? (pod ? onlyContainer(pod, podUid) : null);
      out.pod = { uid: podUid, namespace: pod?.namespace ?? null, name: pod?.name ?? null, container };
      if (container !== null && out.name === null) out.name = container;
    }
    return out;
  };
}

/** The container directory of a pod's log directory when it holds just one. */
function onlyContainer(pod: { namespace: string; name: string }, uid: string): string | null {
  try {
    const dirs = readdirSync(`/var/log/pods/${pod.namespace}_${pod.name}_${uid}`);
    return dirs.length === 1 ? dirs[0]! : null;
  } catch {
    return null;
  }
}
