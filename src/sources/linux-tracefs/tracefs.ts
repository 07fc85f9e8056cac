import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * tracefs: where it is, mounting it when it is nowhere, and tcpstat's own instances in it.
 *
 * An instance (instances/NAME, made by mkdir) is a ring buffer with its own copy of every
 * event switch: enabling an event there touches neither the global buffer nor anyone else's
 * instance (Documentation/trace/ftrace.rst, "Instances"). tcpstat names its instance
 * tcpstat-PID, so a run killed with SIGKILL leaves a name whose pid is gone, which the next
 * run removes.
 */

export const DEFAULT_TRACEFS = "/sys/kernel/tracing";
export const INSTANCE_PREFIX = "tcpstat-";

/** Why tracing cannot be used here, in words for one line on stderr. */
export class TracefsUnavailable extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = "TracefsUnavailable";
  }
}

/**
 * Mount points of tracefs in a /proc/self/mounts text; debugfs's tracing/ directory counts too
 * (kernels before 4.1 and systems that mount only debugfs).
 *
 *   "nodev /sys/kernel/tracing tracefs rw,relatime 0 0" -> ["/sys/kernel/tracing"]
 */
export function tracefsMounts(mountsText: string): string[] {
  const found: string[] = [];
  for (const line of mountsText.split("\n")) {
    const [, where, type] = line.split(" ");
    if (!where || !type) continue;
    const path = where.replace(/\\040/g, " ");
    if (type === "tracefs") found.push(path);
    else if (type === "debugfs") found.push(join(path, "tracing"));
  }
  return found;
}

export interface TracefsRoot {
  path: string;
  /** True when this run mounted it: it unmounts it on the way out, unless someone uses it. */
  mountedHere: boolean;
}

/**
 * The tracefs to use: the first mount that has instances/, else a mount made now at
 * /sys/kernel/tracing (as root). Throws TracefsUnavailable saying what is missing.
 */
export function openTracefs(procRoot = "/proc"): TracefsRoot {
  let mounts: string[] = [];
  try {
    mounts = tracefsMounts(readFileSync(join(procRoot, "self", "mounts"), "utf8"));
  } catch {
    // No /proc: the mount attempt below says what is wrong.
  }
  for (const path of mounts) {
    if (!existsSync(join(path, "instances"))) continue;
    try {
      accessSync(join(path, "instances"), constants.W_OK);
    } catch {
      throw new TracefsUnavailable(`tracefs at ${path} is not writable by this user`, "run as root (or with CAP_SYS_ADMIN)");
    }
    return { path, mountedHere: false };
  }
  if (process.getuid?.() !== 0) throw new TracefsUnavailable("tracefs is not mounted and only root can mount it", "run as root, or mount it: mount -t tracefs nodev /sys/kernel/tracing");
  if (!existsSync(DEFAULT_TRACEFS))
    throw new TracefsUnavailable(`this kernel has no tracefs (${DEFAULT_TRACEFS} is missing)`, "use a kernel built with CONFIG_FTRACE");
  const run = spawnSync("mount", ["-t", "tracefs", "nodev", DEFAULT_TRACEFS], { encoding: "utf8" });
  if (run.status !== 0 || !existsSync(join(DEFAULT_TRACEFS, "instances"))) {
    const why = (run.stderr || run.error?.message || "").trim().split("\n")[0] || `exit ${run.status}`;
    throw new TracefsUnavailable(`tracefs could not be mounted at ${DEFAULT_TRACEFS} (${why})`, "a container needs the mount from its host, or CAP_SYS_ADMIN");
  }
  return { path: DEFAULT_TRACEFS, mountedHere: true };
}

/** Unmounts a tracefs this run mounted; a busy one (another tracer has it open) stays. */
export function releaseTracefs(root: TracefsRoot): void {
  if (root.mountedHere) spawnSync("umount", [root.path], { stdio: "ignore" });
}

const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Removes instances named tcpstat-PID whose process is gone (a run killed with SIGKILL).
 * Returns their names. An instance another live tcpstat owns is left alone.
 */
export function removeStaleInstances(root: string, isAlive: (pid: number) => boolean = pidAlive): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(join(root, "instances"));
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = /^tcpstat-(\d+)$/.exec(name);
    if (!m || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue;
    try {
      rmdirSync(join(root, "instances", name));
      removed.push(name);
    } catch {
      // Busy or already gone: the next run tries again.
    }
  }
  return removed;
}

/** A tracefs instance of our own: made by mkdir, removed by rmdir (after every file in it is closed). */
export class TraceInstance {
  readonly path: string;
  private removed = false;

  constructor(
    readonly root: string,
    readonly name = `${INSTANCE_PREFIX}${process.pid}`,
  ) {
    this.path = join(root, "instances", name);
    try {
      mkdirSync(this.path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST") {
        // Our pid's name left by an earlier process with this pid: it is ours to reuse.
        this.removeQuietly();
        mkdirSync(this.path);
      } else throw new TracefsUnavailable(`cannot create a tracefs instance (${code})`, "run as root; a locked-down kernel refuses tracing");
    }
  }

  file(...parts: string[]): string {
    return join(this.path, ...parts);
  }

  write(relative: string, value: string): void {
    writeFileSync(this.file(relative), value);
  }

  read(relative: string): string {
    return readFileSync(this.file(relative), "utf8");
  }

  /** Whether an event exists in this kernel ("tcp/tcp_send_reset"). */
  hasEvent(event: string): boolean {
    return existsSync(this.file("events", event, "enable"));
  }

  /** CPUs with a buffer: per_cpu/cpu0, cpu1, ... */
  cpus(): number[] {
    return readdirSync(this.file("per_cpu"))
      .map((d) => /^cpu(\d+)$/.exec(d))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  }

  /** Removes the instance (its events stop with it). Synchronous, for exit handlers. Files opened in it must be closed first. */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    this.removeQuietly();
  }

  private removeQuietly(): void {
    try {
      // Switching the events off first lets the rmdir succeed even while the kernel is busy writing.
      writeFileSync(join(this.path, "tracing_on"), "0");
    } catch {
      // Gone already.
    }
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        rmdirSync(this.path);
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return;
        if (code !== "EBUSY") return;
      }
    }
  }
}
