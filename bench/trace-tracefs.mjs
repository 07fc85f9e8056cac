// tracefs for the trace benchmark's own stages, found as tcpstat finds it
// (src/sources/linux-tracefs/tracefs.ts, openTracefs): the first tracefs mount in
// /proc/self/mounts that has instances/ (debugfs's tracing/ counts too), else a mount made
// at /sys/kernel/tracing, unmounted again by releaseTracefs. Instances are removed the way
// tcpstat removes its own: tracing off, then rmdir (retried while the kernel says busy).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const DEFAULT_TRACEFS = "/sys/kernel/tracing";

/** {path, mountedHere}, or {error} saying why there is no tracefs to use. */
export function findTracefs() {
  let mounts = "";
  try {
    mounts = readFileSync("/proc/self/mounts", "utf8");
  } catch {}
  for (const line of mounts.split("\n")) {
    const [, where, type] = line.split(" ");
    if (!where || (type !== "tracefs" && type !== "debugfs")) continue;
    const path = type === "tracefs" ? where.replace(/\\040/g, " ") : join(where.replace(/\\040/g, " "), "tracing");
    if (existsSync(join(path, "instances"))) return { path, mountedHere: false };
  }
  const run = spawnSync("mount", ["-t", "tracefs", "nodev", DEFAULT_TRACEFS], { encoding: "utf8" });
  if (run.status !== 0 || !existsSync(join(DEFAULT_TRACEFS, "instances"))) return { error: `tracefs is not mounted and could not be mounted at ${DEFAULT_TRACEFS}: ${(run.stderr || "").trim()}` };
  return { path: DEFAULT_TRACEFS, mountedHere: true };
}

/** Unmounts a tracefs that findTracefs mounted (a busy one stays). */
export function releaseTracefs(root) {
  if (root?.mountedHere) spawnSync("umount", [root.path], { stdio: "ignore" });
}

/** Removes an instance directory if it is there; true when it is gone. */
export function removeInstance(dir) {
  if (!existsSync(dir)) return true;
  try {
    writeFileSync(join(dir, "tracing_on"), "0");
  } catch {}
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      rmdirSync(dir);
      return true;
    } catch (error) {
      if (error.code === "ENOENT") return true;
      if (error.code !== "EBUSY") return false;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  return !existsSync(dir);
}

/** Removes instances named PREFIX-PID whose process is gone (a stage killed with SIGKILL). */
export function removeStaleInstances(root, prefix) {
  let names = [];
  try {
    names = readdirSync(join(root, "instances"));
  } catch {}
  for (const name of names) {
    const m = new RegExp(`^${prefix}-(\\d+)$`).exec(name);
    if (m && !existsSync(`/proc/${m[1]}`)) removeInstance(join(root, "instances", name));
  }
}
