// Runs one command and returns its wall time and peak memory.
//
// Wall time is taken here around the child's whole life (spawn to exit); peak RSS comes from
// the kernel's wait4() rusage (ru_maxrss), which GNU time prints with `-f %M` (in KiB).
// The same wrapper runs every command, so its own small cost is the same for all of them.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const GNU_TIME = "/usr/bin/time";

/** Throws a one-line explanation when GNU time is missing (it gives us peak RSS). */
export function checkGnuTime() {
  const probe = existsSync(GNU_TIME) ? spawnSync(GNU_TIME, ["-f", "%M", "true"], { encoding: "utf8" }) : null;
  if (!probe || probe.status !== 0 || !/^\d+\s*$/m.test(probe.stderr))
    throw new Error(`GNU time is needed at ${GNU_TIME} to read peak memory; install it with: apt-get install time`);
}

/**
 * Variables of this environment left out of the measured commands' environment: set, they add
 * the same fixed cost to every node start (NODE_EXTRA_CA_CERTS: node reads and parses the
 * whole certificate bundle before any script, 85 ms on the machine of BENCHMARKS.md), which
 * says nothing of the commands and hides what a server without it sees.
 */
export const LEFT_OUT_ENV = ["NODE_EXTRA_CA_CERTS"].filter((name) => process.env[name] !== undefined);
const benchEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !LEFT_OUT_ENV.includes(name)));

const scratch = mkdtempSync(join(tmpdir(), "tcpstat-bench-"));
const rusageFile = join(scratch, "rusage");
const devNull = openSync("/dev/null", "w");
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

/**
 * Runs argv with stdout to /dev/null (as when output goes to a file) and returns
 * { ms, rssKb } or { error } with the first line of stderr.
 */
export function measure(argv, { timeoutMs = 180_000, env = benchEnv } = {}) {
  const started = process.hrtime.bigint();
  const child = spawnSync(GNU_TIME, ["-f", "%M", "-o", rusageFile, ...argv], {
    stdio: ["ignore", devNull, "pipe"],
    encoding: "utf8",
    timeout: timeoutMs,
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.error) return { error: `${argv.join(" ")}: ${child.error.message}` };
  if (child.status !== 0) {
    const why = child.stderr.split("\n").find((l) => l.trim() !== "") ?? `exit ${child.status}`;
    return { error: `${argv.join(" ")}: ${why}` };
  }
  const rssKb = Number(readFileSync(rusageFile, "utf8").trim().split("\n").pop());
  return { ms, rssKb };
}
