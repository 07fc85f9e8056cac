import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { BIN } from "../helpers/cli.js";
import type { Netns } from "../helpers/netns.js";

/**
 * What the trace tests share: whether this machine lets tcpstat trace at all (said once,
 * clearly, when it does not), a running `tcpstat trace` whose lines can be waited for, and
 * the instances it leaves or does not leave in tracefs.
 */

/** The tracefs mount the tests look into (tcpstat mounts it here when it is nowhere). */
export function tracefsRoot(): string | null {
  const mounts = readFileSync("/proc/self/mounts", "utf8");
  const line = mounts.split("\n").find((l) => l.split(" ")[2] === "tracefs");
  return line ? line.split(" ")[1]! : null;
}

let probed: string | null | undefined;

/**
 * null when `tcpstat trace --exact` can run here, else why not (printed by the caller as
 * the reason its tests are skipped: never a silent pass).
 */
export function traceUnavailable(): string | null {
  if (probed !== undefined) return probed;
  if (process.getuid?.() !== 0) return (probed = "not root: tcpstat trace needs root for tracefs");
  const r = spawnSync(process.execPath, [BIN, "trace", "--exact", "--duration", "50ms", "-q", "--ndjson"], { encoding: "utf8", timeout: 60_000 });
  probed = r.status === 0 ? null : `tcpstat trace --exact failed here (exit ${r.status}): ${r.stderr.trim()}`;
  return probed;
}

export function instanceDir(pid: number): string {
  return `${tracefsRoot() ?? "/sys/kernel/tracing"}/instances/tcpstat-${pid}`;
}

export const instanceExists = (pid: number) => existsSync(instanceDir(pid));

/** A child's output as lines, with a way to wait for one that matches. */
export class Lines {
  readonly lines: string[] = [];
  private waiters: Array<{ test: (line: string) => boolean; resolve: (line: string) => void }> = [];
  private rest = "";

  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const parts = (this.rest + chunk).split("\n");
      this.rest = parts.pop()!;
      for (const line of parts) {
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => (w.test(line) ? (w.resolve(line), false) : true));
      }
    });
  }

  /** The first line (already seen or to come) that passes `test`; rejects after timeoutMs (a failure, not a wait). */
  waitFor(test: (line: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
    const seen = this.lines.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line for ${what} within ${timeoutMs} ms; lines so far:\n${this.lines.slice(-20).join("\n")}`)), timeoutMs);
      this.waiters.push({ test, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });
  }
}

export interface RunningTrace {
  child: ChildProcess;
  out: Lines;
  err: Lines;
  /** Pid of tcpstat (its instance is tcpstat-PID). */
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `tcpstat trace ARGS` (inside `netns` when given) and waits until it says it is tracing. */
export async function startTrace(args: readonly string[], options: { netns?: Netns; env?: NodeJS.ProcessEnv; asNobody?: boolean } = {}): Promise<RunningTrace> {
  const env = { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, ...options.env };
  let argv = [process.execPath, BIN, "trace", ...args];
  if (options.asNobody) argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ...argv];
  if (options.netns) argv = ["nsenter", "-t", String(options.netns.pid), "-n", ...argv];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], env });
  const out = new Lines(child.stdout!);
  const err = new Lines(child.stderr!);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const notice = await Promise.race([
    err.waitFor((l) => /^tcpstat: (tracing TCP|no kernel tracing here)/.test(l), "the trace's start notice"),
    exited.then((r) => {
      throw new Error(`tcpstat trace exited (${r.code ?? r.signal}) before starting: ${err.lines.join("\n")}`);
    }),
  ]);
  const pid = Number(/instances\/tcpstat-(\d+)/.exec(notice)?.[1] ?? child.pid);
  return { child, out, err, pid, exited };
}

/** A Python one-liner script run in the namespace, its process renamed (prctl PR_SET_NAME) so lines name it. */
export function pythonNamed(ns: Netns, name: string, script: string): ChildProcess {
  const prelude = `import ctypes; ctypes.CDLL(None).prctl(15, ${JSON.stringify(name)}.encode(), 0, 0, 0)\n`;
  return spawn("nsenter", ["-t", String(ns.pid), "-n", "python3", "-u", "-c", prelude + script], { stdio: ["pipe", "pipe", "pipe"] });
}
