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
  process?: { cmdline: string | null; ppid: number; startedAt: string | null } | null;
  cgroup: CgroupFacts;
}

/** USER_HZ: the unit of /proc/PID/stat's times, 100 on every Linux architecture in use. */
const TICKS_PER_SECOND = 100;

/** "812 (na)me) S 1 ..." -> ppid and start time in ticks after boot; the name may hold ")" and spaces. */
export function parseStat(text: string): { ppid: number; startTicks: number } | null {
  const close = text.lastIndexOf(")");
  if (close < 0) return null;
  const f = text.slice(close + 2).split(" ", 20);
  const ppid = Number(f[1]);
  const startTicks = Number(f[19]);
  return Number.isSafeInteger(ppid) && Number.isSafeInteger(startTicks) ? { ppid, startTicks } : null;
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

  /** Parent and start already read by the owner scan (its stat), by pid. */
  private readonly stats = new Map<number, { ppid: number; startTicks: number }>();

  /** Reads these pids now (those not read yet); `stat`, when the owner scan read it, spares that read. */
  prefetch(pids: ArrayLike<number>, stat?: { ppids: ArrayLike<number>; starts: ArrayLike<number> }): void {
    for (let i = 0; i < pids.length; i++) {
      const pid = pids[i]!;
      if (stat && stat.ppids[i]! >= 0 && !this.facts.has(pid)) this.stats.set(pid, { ppid: stat.ppids[i]!, startTicks: stat.starts[i]! });
      this.get(pid);
    }
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
    let st = this.stats.get(pid) ?? null;
    if (st === null) {
      const stat = read(`${procRoot}/${pid}/stat`);
      st = stat === null ? null : parseStat(stat);
    }
    if (st === null) return null;
    const cmd = read(`${procRoot}/${pid}/cmdline`);
    const startedAt = this.btime === null ? null : new Date((this.btime + st.startTicks / TICKS_PER_SECOND) * 1000).toISOString();
    return { cgroup, process: { cmdline: cmd === null ? null : parseCmdline(cmd), ppid: st.ppid, startedAt } };
  }
}

/**
 * Gives every holder of the records its --who fields (all, or the unit and container only), each
 * process read once however many sockets it holds; the runtimes are asked once, only when a
 * container was found.
 */
export async function addWho(records: SocketRecord[], notices: string[], reader = new WhoReader()): Promise<void> {
  const all = reader.fields === "all";
  const { procRoot } = reader;
  const names = new Map<number, string | null>();
  const owners: Owner[] = [];
  for (const r of records)
    for (const o of r.owners ?? []) {
      owners.push(o);
      if (o.process !== null) names.set(o.pid, o.process);
    }
  const nameOf = (pid: number) => {
    if (!names.has(pid)) names.set(pid, read(`${procRoot}/${pid}/comm`)?.replace(/\n$/, "") ?? null);
    return names.get(pid)!;
  };
  const facts = new Map<number, ProcFacts | null>();
  for (const o of owners) if (!facts.has(o.pid)) facts.set(o.pid, reader.get(o.pid));

  const found = [...facts.values()].map((f) => f?.cgroup.container).filter((c): c is NonNullable<CgroupFacts["container"]> => Boolean(c));
  const names_ = await containerNames(found, notices);
  // One container record per container found: the processes in it and their sockets share it.
  const containers = new Map<object, Container>();
  let unread = 0;
  for (const o of owners) {
    const f = facts.get(o.pid);
    if (!f) unread++;
    if (all) {
      const p = f?.process;
      o.cmdline = p?.cmdline ?? null;
      o.ppid = p?.ppid ?? null;
      o.parent = p && p.ppid > 0 ? nameOf(p.ppid) : null;
      o.startedAt = p?.startedAt ?? null;
    }
    o.unit = f?.cgroup.unit ?? null;
    const found = f?.cgroup.container;
    let c = found ? containers.get(found) : null;
    if (c === undefined) containers.set(found!, (c = names_(found!)));
    o.container = c;
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
