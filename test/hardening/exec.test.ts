import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TcpstatError } from "../../src/errors.js";
import { exec, systemTool } from "../../src/lib/exec.js";
import { BIN } from "../helpers/cli.js";

/**
 * External commands under stress: a command that ignores SIGTERM still ends at its time limit,
 * an endless one hits the output cap, a missing one names what to install, and what tcpstat
 * runs is a fixed argument list that no option value can reach (fake commands record their
 * arguments). tcpstat takes tools from the system's directories only, never PATH (issue 22), so
 * each fake is bind-mounted over the real tool in a private mount namespace (`unshare -m`), and
 * a tool is made missing by mounting /dev/null (not a file) over it: the machine's own stay as
 * they were.
 */

let bin: string;

/** A fake command on a private PATH. */
function fake(name: string, script: string): void {
  const path = join(bin, name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
}

beforeAll(() => {
  bin = mkdtempSync(join(tmpdir(), "tcpstat-fakebin-"));
});

afterAll(() => {
  if (bin) rmSync(bin, { recursive: true, force: true });
});

/** tcpstat ARGS with each system tool named in `over` replaced by a fake of `bin` (or by /dev/null: missing). */
function runTcpstat(args: readonly string[], over: Record<string, string>) {
  const mounts = Object.entries(over).map(([tool, fakeName]) => `mount --bind ${fakeName === "missing" ? "/dev/null" : join(bin, fakeName)} ${systemTool(tool)} || exit 9`);
  const script = [...mounts, 'exec "$@"'].join("\n");
  const env = { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined };
  const result = spawnSync("unshare", ["-m", "sh", "-c", script, "sh", process.execPath, BIN, ...args], { encoding: "utf8", env });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("exec under stress", () => {
  it("a command that ignores SIGTERM still ends at its time limit", async () => {
    // Ended at its limit: before the command, left alone, would have marked its own end.
    const dir = mkdtempSync(join(tmpdir(), "tcpstat-exec-"));
    const late = join(dir, "late");
    const error = await exec("sh", ["-c", `trap '' TERM; sleep 5; echo late > '${late}'`], { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(existsSync(late)).toBe(false);
    rmSync(dir, { recursive: true });
    expect(error).toBeInstanceOf(TcpstatError);
    expect((error as TcpstatError).message).toMatch(/did not finish within 300 ms/);
  });

  it("a command that never stops printing hits the output cap", async () => {
    const error = await exec("yes", ["tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:*"], { maxBytes: 1 << 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TcpstatError);
    expect((error as TcpstatError).message).toMatch(/printed more than 1048576 bytes/);
  });
});

describe("tcpstat with commands missing, hostile or huge", () => {
  it("a missing ss names the package to install, in one line, exit 1", () => {
    const r = runTcpstat(["--source", "linux-ss"], { ss: "missing" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("tcpstat: 'ss' was not found in /usr/sbin, /usr/bin, /sbin, /bin; install iproute2");
  });

  it("a missing lsof names how to install it", () => {
    const r = runTcpstat(["--source", "lsof"], { lsof: "missing" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^tcpstat: 'lsof' was not found in \/usr\/sbin, \/usr\/bin, \/sbin, \/bin; install lsof \(apt-get install lsof/);
  });

  it("runs ss with fixed arguments: option values never reach its command line or a shell", () => {
    const log = join(bin, "argv");
    const marker = join(bin, "pwned");
    fake("ss", `for a in "$@"; do printf '%s\\n' "$a"; done > "${log}"\necho 'Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process'`);
    const hostile = `$(touch ${marker});touch ${marker}`;
    const r = runTcpstat(["--source", "linux-ss", "--process", hostile, "--state", "listen"], { ss: "ss" });
    expect(r.status).toBe(0);
    const argv = readFileSync(log, "utf8");
    expect(argv).not.toContain("touch");
    expect(argv).not.toContain("listen");
    expect(existsSync(marker)).toBe(false);
  });

  it("an ss that prints without end is cut at the cap: one line, exit 1, no crash", () => {
    const yes = execFileSync("sh", ["-c", "command -v yes"], { encoding: "utf8" }).trim();
    fake("ss", `exec ${yes} 'tcp   LISTEN 0      128        0.0.0.0:22       0.0.0.0:*'`);
    const r = runTcpstat(["--source", "linux-ss"], { ss: "ss" });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^tcpstat: 'ss .*' printed more than \d+ bytes; narrow the selection or replay a capture with --input/);
  }, 60_000);

  it("an ss that fails says so with its own first line of complaint", () => {
    fake("ss", "echo 'Cannot open netlink socket: Protocol not supported' >&2; exit 1");
    const r = runTcpstat(["--source", "linux-ss"], { ss: "ss" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^tcpstat: 'ss [^']*' failed with exit code 1: Cannot open netlink socket: Protocol not supported; /);
  });
});
