import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from "node:child_process";
import { readlinkSync } from "node:fs";

/**
 * A fresh network namespace for live tests (we are root): sockets opened in it are apart
 * from the machine's own, so `ss` and tcpstat see exactly what the test made.
 * It is held by a `sleep` that ends by itself, so nothing outlives a crashed test run.
 *
 *   const ns = createNetns();
 *   const server = ns.spawn("node", ["scenario.mjs"]);
 *   const ss = ns.run("ss", ["-tanH"]).stdout;
 *   ns.close();
 */
export interface Netns {
  /** Pid of the process holding the namespace. */
  pid: number;
  /** Runs a command inside the namespace and waits for it. */
  run(cmd: string, args?: readonly string[], options?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): SpawnSyncReturns<string>;
  /** Starts a long-running command inside the namespace. */
  spawn(cmd: string, args?: readonly string[], options?: { env?: NodeJS.ProcessEnv }): ChildProcess;
  close(): void;
}

const HOLD_SECONDS = 1800;

export function createNetns(): Netns {
  const ownNs = readlinkSync("/proc/self/ns/net");
  const holder = spawn("unshare", ["-n", "sleep", String(HOLD_SECONDS)], { stdio: "ignore" });
  const pid = holder.pid;
  if (pid === undefined) throw new Error("unshare -n failed to start (are we root?)");
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) !== ownNs) break;
    } catch {
      // not yet exec'd
    }
    if (Date.now() > deadline) throw new Error("unshare -n did not create a network namespace");
    spawnSync("sleep", ["0.01"]);
  }
  const children: ChildProcess[] = [holder];
  const enter = (cmd: string, args: readonly string[]) => ["-t", String(pid), "-n", cmd, ...args];
  const ns: Netns = {
    pid,
    run(cmd, args = [], options = {}) {
      return spawnSync("nsenter", enter(cmd, args), {
        encoding: "utf8",
        input: options.input,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 256 * 1024 * 1024,
      });
    },
    spawn(cmd, args = [], options = {}) {
      const child = spawn("nsenter", enter(cmd, args), { stdio: ["ignore", "pipe", "pipe"], env: options.env ?? process.env });
      children.push(child);
      return child;
    },
    close() {
      for (const child of children.reverse()) child.kill("SIGKILL");
    },
  };
  const up = ns.run("ip", ["link", "set", "lo", "up"]);
  if (up.status !== 0) throw new Error(`ip link set lo up failed: ${up.stderr}`);
  return ns;
}
