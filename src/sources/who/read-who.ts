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
interface ProcFacts {
  cmdline: string | null;
  ppid: number;
  startedAt: string | null;
  cgroup: CgroupFacts;
}

/** USER_HZ: the unit of /proc/PID/stat's times, 100 on every Linux architecture in use. */
const TICKS_PER_SECOND = 100;

/** "812 (na)me) S 1 ..." -> ppid and start time in ticks after boot; the name may hold ")" and spaces. */
export function parseStat(text: string): { ppid: number; startTicks: number } | null {
  const close = text.lastIndexOf(")");
  if (close < 0) return null;
  const f = text.slice(close + 2).split(" ");
  const ppid = Number(f[1]);
  const startTicks = Number(f[19]);
  return Number.isSafeInteger(ppid) && Number.isSafeInteger(startTicks) ? { ppid, startTicks } : null;
}

/** The arguments of /proc/PID/cmdline joined by spaces; null when empty (a kernel thread, a zombie). */
export function parseCmdline(bytes: Buffer): string | null {
  const text = bytes.toString("utf8").replace(/\0+$/, "");
  return text === "" ? null : text.split("\0").join(" ");
}

const read = (path: string): Buffer | null => {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
};

function bootTime(procRoot: string): number | null {
  const m = /^btime (\d+)$/m.exec(read(`${procRoot}/stat`)?.toString("latin1") ?? "");
  return m ? Number(m[1]) : null;
}

export async function addWho(records: SocketRecord[], notices: string[], procRoot = "/proc"): Promise<void> {
  const btime = bootTime(procRoot);
  const facts = new Map<number, ProcFacts | null>();
  const comm = new Map<number, string | null>();
  const nameOf = (pid: number) => {
    if (!comm.has(pid)) comm.set(pid, read(`${procRoot}/${pid}/comm`)?.toString("utf8").replace(/\n$/, "") ?? null);
    return comm.get(pid)!;
  };
  const factsOf = (pid: number): ProcFacts | null => {
    if (facts.has(pid)) return facts.get(pid)!;
    const stat = read(`${procRoot}/${pid}/stat`);
    const parsed = stat && parseStat(stat.toString("utf8"));
    const cmd = read(`${procRoot}/${pid}/cmdline`);
    const cgroup = read(`${procRoot}/${pid}/cgroup`);
    const f: ProcFacts | null = parsed
      ? {
          cmdline: cmd && parseCmdline(cmd),
          ppid: parsed.ppid,
          startedAt: btime === null ? null : new Date((btime + parsed.startTicks / TICKS_PER_SECOND) * 1000).toISOString(),
          cgroup: cgroup ? parseCgroup(cgroup.toString("utf8")) : { unit: null, container: null },
        }
      : null;
    facts.set(pid, f);
    return f;
  };
  const owners: Owner[] = [];
  for (const r of records) for (const o of r.owners ?? []) owners.push(o);
  for (const o of owners) factsOf(o.pid);

  const found = [...facts.values()].map((f) => f?.cgroup.container).filter((c): c is NonNullable<CgroupFacts["container"]> => Boolean(c));
  const names = await containerNames(found, notices);
  let unread = 0;
  for (const o of owners) {
    const f = facts.get(o.pid);
    if (!f) unread++;
    o.cmdline = f?.cmdline ?? null;
    o.ppid = f?.ppid ?? null;
    o.parent = f && f.ppid > 0 ? nameOf(f.ppid) : null;
    o.startedAt = f?.startedAt ?? null;
    o.unit = f?.cgroup.unit ?? null;
    o.container = f?.cgroup.container ? names(f.cgroup.container) : null;
  }
  if (unread > 0) notices.push(`${unread} holder${unread === 1 ? "" : "s"} exited before --who could read them: their details are null`);
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
