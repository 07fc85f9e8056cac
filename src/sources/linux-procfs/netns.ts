import { spawn } from "node:child_process";
import { noteRun, systemTool } from "../../lib/exec.js";
import { readdirSync, readlinkSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { TcpstatError, usageError } from "../../errors.js";
import type { Family, NetnsTag, Problem, Proto, SocketRecord } from "../../model/socket.js";
import { attachOwners, collectLinux } from "./collect.js";
import type { CollectResult } from "./read-tables.js";
import { append } from "../../lib/append.js";

/**
 * Network namespaces, the way `ss -N` and `ip netns` see them.
 *
 * Every process links /proc/<pid>/ns/net to "net:[4026531840]": the number is the
 * namespace's inode, and /proc/<pid>/net/tcp is that namespace's socket table. So one
 * process per inode is a window onto each namespace, with no setns() (which Node lacks).
 * `ip netns add NAME` bind-mounts a namespace on /run/netns/NAME; stat() of it gives the
 * same inode, which names the namespace. A namespace held only by such a file (no process
 * inside) is entered with `nsenter --net=FILE cat`, and read through that helper's /proc.
 * Socket inodes are unique across namespaces, so one /proc/<pid>/fd scan finds every owner.
 */

export interface Namespace {
  inode: number;
  /** Name under /run/netns, or null. */
  name: string | null;
  /** Processes inside, lowest first: any one of them shows the namespace's tables. */
  pids: number[];
  /** A namespace file to enter when no process is inside (bind mount or a path given). */
  path: string | null;
}

export interface NetnsOptions {
  procRoot?: string;
  /** Where `ip netns` keeps its bind mounts. */
  runNetnsDir?: string;
  /** Most namespaces "all" reads (--netns-limit; default DEFAULT_NETNS_LIMIT). */
  limit?: number;
}

/**
 * Namespaces `-N all` reads at most unless --netns-limit raises it: a local user can make
 * namespaces at will (unshare -n), and hundreds made `metrics -N all` slow and its series
 * many (issues 22, 15 in BENCHMARKS.md). tcpstat's own first, then the named, then by inode.
 */
export const DEFAULT_NETNS_LIMIT = 64;

const NET_LINK = /^net:\[(\d+)\]$/;
const DEFAULT_RUN_NETNS = "/run/netns";

/** Namespace inode of a process, or null when it is gone or hidden. */
export function netnsOfPid(procRoot: string, pid: number | "self"): number | null {
  try {
    const match = NET_LINK.exec(readlinkSync(join(procRoot, String(pid), "ns", "net")));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Device of nsfs, to tell a namespace file from an ordinary one; null if unknown. */
function nsfsDevice(procRoot: string): number | null {
  try {
    return statSync(join(procRoot, "self", "ns", "net")).dev;
  } catch {
    return null;
  }
}

/** Inode of a namespace file, or null when the path is not one. */
function namespaceInode(path: string, nsfs: number | null): number | null {
  try {
    const st = statSync(path);
    if (nsfs !== null && st.dev !== nsfs) return null;
    return st.ino;
  } catch {
    return null;
  }
}

/** /run/netns/NAME bind mounts by inode. Entries that are not mounted namespaces are skipped. */
export function namedNamespaces(options: NetnsOptions = {}): Map<number, { name: string; path: string }> {
  const { procRoot = "/proc", runNetnsDir = DEFAULT_RUN_NETNS } = options;
  const named = new Map<number, { name: string; path: string }>();
  let names: string[];
  try {
    names = readdirSync(runNetnsDir).sort();
  } catch {
    return named;
  }
  const nsfs = nsfsDevice(procRoot);
  for (const name of names) {
    const path = join(runNetnsDir, name);
    const inode = namespaceInode(path, nsfs);
    if (inode !== null && !named.has(inode)) named.set(inode, { name, path });
  }
  return named;
}

/** Processes whose namespace link this user may not read (not root): their namespaces stay unseen. */
export function countHiddenNamespaces(procRoot = "/proc"): number {
  let hidden = 0;
  for (const entry of safeReaddir(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      readlinkSync(join(procRoot, entry, "ns", "net"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EACCES") hidden++;
    }
  }
  return hidden;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Every network namespace on the host: those with a process inside, and named ones without. */
export function discoverNamespaces(options: NetnsOptions = {}): Namespace[] {
  const { procRoot = "/proc" } = options;
  const byInode = new Map<number, Namespace>();
  let entries: string[] = [];
  try {
    entries = readdirSync(procRoot);
  } catch {
    // no /proc: nothing to find
  }
  const pids = entries.filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => a - b);
  for (const pid of pids) {
    const inode = netnsOfPid(procRoot, pid);
    if (inode === null) continue;
    const ns = byInode.get(inode);
    if (ns) ns.pids.push(pid);
    else byInode.set(inode, { inode, name: null, pids: [pid], path: null });
  }
  for (const [inode, { name, path }] of namedNamespaces(options)) {
    const ns = byInode.get(inode);
    if (ns) Object.assign(ns, { name, path });
    else byInode.set(inode, { inode, name, pids: [], path });
  }
  return [...byInode.values()].sort((a, b) => a.inode - b.inode);
}

/**
 * `-N, --netns` argument -> the namespaces to read:
 * "all"; a pid ("1234"); a path ("/proc/1234/ns/net", "/var/run/docker/netns/abc"); else a name in /run/netns.
 */
export function resolveNetns(spec: string, options: NetnsOptions = {}): Namespace[] {
  const { procRoot = "/proc", runNetnsDir = DEFAULT_RUN_NETNS } = options;
  const target = spec.trim();
  if (target === "") throw usageError("empty --netns", "give a name from `ip netns list`, a pid, a namespace file, or all");
  if (target === "all") return boundNamespaces(discoverNamespaces(options), options).kept;
  const all = discoverNamespaces(options);
  const find = (inode: number) => all.find((ns) => ns.inode === inode);

  if (/^\d+$/.test(target)) {
    const inode = netnsOfPid(procRoot, Number(target));
    if (inode === null)
      throw usageError(`no process ${target} for --netns`, "give the pid of a running process (as root to see every process), a name or a path");
    return [find(inode) ?? { inode, name: null, pids: [Number(target)], path: null }];
  }

  if (target.includes("/")) {
    const path = isAbsolute(target) ? target : resolve(target);
    const inode = namespaceInode(path, nsfsDevice(procRoot));
    if (inode === null)
      throw usageError(`'${target}' is not a network namespace file`, "give e.g. /proc/<pid>/ns/net or /run/netns/NAME");
    const ns = find(inode);
    return [ns ? { ...ns, path: ns.path ?? path } : { inode, name: null, pids: [], path }];
  }

  // discoverNamespaces read /run/netns already: a named namespace is among `all`.
  const named = all.find((ns) => ns.name === target);
  if (!named) {
    const known = all.flatMap((ns) => (ns.name === null ? [] : [ns.name])).sort();
    throw usageError(
      `no network namespace named '${target}' in ${runNetnsDir}`,
      known.length > 0 ? `known names: ${known.join(", ")}; or give a pid, a path, or all` : "`ip netns list` shows names; or give a pid, a path, or all",
    );
  }
  return [named];
}

/** The namespaces "all" reads within the bound, and those left out. */
function boundNamespaces(all: Namespace[], options: NetnsOptions): { kept: Namespace[]; leftOut: Namespace[] } {
  const limit = options.limit ?? DEFAULT_NETNS_LIMIT;
  if (all.length <= limit) return { kept: all, leftOut: [] };
  const own = netnsOfPid(options.procRoot ?? "/proc", "self");
  const rank = (ns: Namespace) => (ns.inode === own ? 0 : ns.name !== null ? 1 : 2);
  const ranked = [...all].sort((a, b) => rank(a) - rank(b) || a.inode - b.inode);
  return { kept: ranked.slice(0, limit).sort((a, b) => a.inode - b.inode), leftOut: ranked.slice(limit) };
}

/** resolveNetns, and for "all" beyond the bound a notice naming what was left out. */
export function resolveNetnsBounded(spec: string, options: NetnsOptions = {}): { namespaces: Namespace[]; notice?: string } {
  if (spec.trim() !== "all") return { namespaces: resolveNetns(spec, options) };
  const all = discoverNamespaces(options);
  const { kept, leftOut } = boundNamespaces(all, options);
  if (leftOut.length === 0) return { namespaces: kept };
  const shown = leftOut.slice(0, 5).map((ns) => netnsLabel(netnsTag(ns)));
  const more = leftOut.length > shown.length ? ` and ${leftOut.length - shown.length} more` : "";
  return {
    namespaces: kept,
    notice: `-N all read ${kept.length} of ${all.length} network namespaces; left out ${shown.join(", ")}${more} (raise the bound with --netns-limit ${all.length}).`,
  };
}

const ENTER_TIMEOUT_MS = 5000;

/**
 * Runs `read` on a /proc/<pid> directory whose process sits in the namespace: the first
 * live process inside, or a short-lived `nsenter --net=FILE cat` helper when there is none.
 * The namespace is checked again after reading, so a pid that exited (or was reused) mid-read
 * is never mistaken for the namespace.
 */
export async function readInNamespace<T>(ns: Namespace, procRoot: string, read: (pidDir: string) => T | Promise<T>): Promise<T | null> {
  for (const pid of ns.pids) {
    let value: T;
    try {
      value = await read(join(procRoot, String(pid)));
    } catch {
      continue; // gone mid-read: try the next process
    }
    if (netnsOfPid(procRoot, pid) === ns.inode) return value;
  }
  if (ns.path === null) return null;
  return enterAndRead(ns, ns.path, procRoot, read);
}

async function enterAndRead<T>(ns: Namespace, path: string, procRoot: string, read: (pidDir: string) => T | Promise<T>): Promise<T> {
  // By absolute paths, never through PATH (issue 22). The helper holds the namespace by
  // reading a pipe from tcpstat: however tcpstat ends (SIGTERM, SIGKILL), the pipe closes
  // and the helper ends with it.
  let nsenter: string;
  let cat: string;
  try {
    nsenter = systemTool("nsenter");
    cat = systemTool("cat");
  } catch {
    throw new TcpstatError("cannot enter a network namespace: nsenter not found in the system's directories", "install util-linux (apt-get install util-linux)");
  }
  noteRun(nsenter, [`--net=${path}`, "--", cat]);
  const helper = spawn(nsenter, [`--net=${path}`, "--", cat], { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  helper.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const failed = new Promise<never>((_, reject) => {
    helper.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "ENOENT"
          ? new TcpstatError("cannot enter a network namespace: nsenter not found", "install util-linux (apt-get install util-linux)")
          : error,
      ),
    );
    helper.once("exit", () =>
      reject(
        new TcpstatError(
          `cannot enter network namespace ${netnsLabel(netnsTag(ns))}: nsenter --net=${path}: ${stderr.trim().replace(/^nsenter: /, "") || "failed"}`,
          isRoot()
            ? "check that the namespace file is still mounted and nsenter works"
            : "no process of this user is inside it, and entering it needs root (CAP_SYS_ADMIN)",
        ),
      ),
    );
  });
  failed.catch(() => {}); // handled below through Promise.race
  try {
    const deadline = Date.now() + ENTER_TIMEOUT_MS;
    for (;;) {
      const pid = helper.pid;
      if (pid !== undefined && netnsOfPid(procRoot, pid) === ns.inode) return await read(join(procRoot, String(pid)));
      if (Date.now() > deadline) throw new TcpstatError(`timed out entering network namespace ${path}`, "check that nsenter works as this user");
      await Promise.race([failed, new Promise((r) => setTimeout(r, 5))]);
    }
  } finally {
    helper.kill("SIGKILL");
  }
}

export interface NetnsCollectOptions {
  protos: readonly Proto[];
  families: readonly Family[];
  owners: boolean;
  procRoot?: string;
  runNetnsDir?: string;
  /** --netns-limit: most namespaces "all" reads. */
  netnsLimit?: number;
}

export const netnsTag = (ns: Namespace): NetnsTag => ({ inode: ns.inode, name: ns.name });

const isRoot = () => process.getuid?.() === 0;

/** A namespace with no process this user may read inside, and no file to enter it by. */
function unreadable(ns: Namespace): TcpstatError {
  return new TcpstatError(
    `cannot read network namespace ${netnsLabel(netnsTag(ns))}: the processes inside ended, or their /proc/PID/net cannot be read${isRoot() ? "" : " by this user"}`,
    isRoot() ? "give a pid that is inside it now, or its file (/proc/PID/ns/net)" : "run as a user who may read its processes, or as root",
  );
}

/** Label for tables and metrics: the name, else the inode as `ls -l /proc/<pid>/ns/net` shows it. */
export const netnsLabel = (tag: NetnsTag): string => tag.name ?? `net:[${tag.inode}]`;

/** The sockets of the namespaces `spec` names, each tagged with its namespace; owners found host-wide. */
export async function collectNetns(spec: string, options: NetnsCollectOptions): Promise<CollectResult> {
  const { procRoot = "/proc" } = options;
  const { namespaces, notice } = resolveNetnsBounded(spec, { ...options, limit: options.netnsLimit });
  const records: SocketRecord[] = [];
  const problems: Problem[] = [];
  const notices: string[] = notice === undefined ? [] : [notice];
  const all = spec.trim() === "all";
  for (const ns of namespaces) {
    const read = (pidDir: string) =>
      collectLinux({ protos: options.protos, families: options.families, owners: false, procRoot, netRoot: join(pidDir, "net") });
    let result: CollectResult | null;
    try {
      result = await readInNamespace(ns, procRoot, read);
      if (result === null) throw unreadable(ns);
    } catch (error) {
      // One namespace asked for: it is read or the run fails (never another namespace's sockets).
      // All of them: the others are still listed, and this one is named.
      if (!all || !(error instanceof TcpstatError)) throw error;
      notices.push(`${error.message}; its sockets are not listed.`);
      continue;
    }
    const tag = netnsTag(ns);
    for (const r of result.records) r.netns = tag;
    append(records, result.records);
    append(problems, result.problems);
    notices.push(...result.notices);
  }
  if (all) {
    const hidden = countHiddenNamespaces(procRoot);
    if (hidden > 0)
      notices.push(
        `not every namespace could be seen: the /proc/PID/ns/net link of ${hidden} process(es) cannot be read${isRoot() ? " (denied even to root: a security module or another user namespace)" : " by this user; run as root to see them all"}.`,
      );
  }
  // One /proc/<pid>/fd scan for all namespaces: socket inodes are unique host-wide.
  if (options.owners) notices.push(...attachOwners(records, procRoot));
  return { records, problems, notices };
}
