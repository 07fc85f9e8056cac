import { spawnSync } from "node:child_process";
import { chownSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The CLI bundle is compiled with a V8 code cache kept beside it, dist/cli.cjs.v8cache
 * (src/lib/code-cache.ts). Run on a copy of the built package, so the suite's own dist/ is
 * left alone: a run writes the cache when there is none or it cannot be used, later runs
 * take it as it is, and whatever is wrong with it (damaged, made by other V8 flags, for an
 * older bundle, a directory in its place) costs only the compile: the output is the same.
 */
const REPO = fileURLToPath(new URL("../..", import.meta.url));
let root: string;
let cacheFile: string;

function tcpstat(args: string[], nodeFlags: string[] = []) {
  const result = spawnSync(process.execPath, [...nodeFlags, join(root, "bin/tcpstat.cjs"), ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1", XDG_CACHE_HOME: join(root, "user-cache") } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The cache file's inode and bytes: a rewrite renames a new file into place. */
function cacheState() {
  const { ino } = statSync(cacheFile);
  return { ino, bytes: readFileSync(cacheFile) };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "tcpstat-code-cache-"));
  // Without cache files: another test's run killed while writing the checkout's own cache may
  // have left a temporary there, and this copy starts from no cache at all.
  const noCache = (src: string) => !/\.v8cache(\.\d+\.tmp)?$/.test(src);
  for (const path of ["package.json", "bin", "dist"]) cpSync(join(REPO, path), join(root, path), { recursive: true, filter: noCache });
  cacheFile = join(root, "dist/cli.cjs.v8cache");
  rmSync(cacheFile, { force: true });
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("the CLI's code cache", () => {
  const args = ["explain", "TIME_WAIT"];
  let expected: string;

  it("is written by the first run, stamped with node's version and the bundle it was made from", () => {
    const first = tcpstat(args);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/TIME_WAIT/);
    expected = first.stdout;
    const bundle = readFileSync(join(root, "dist/cli.cjs"));
    const bytes = readFileSync(cacheFile);
    const stamp = bytes.toString("latin1", 0, bytes.indexOf(10));
    const hex = (data: Uint8Array) => crc32(data).toString(16).padStart(8, "0");
    const digest = hex(bytes.subarray(stamp.length + 1));
    expect(stamp).toBe(`tcpstat-code-cache 2 ${process.version} ${process.platform} ${process.arch} ${bundle.length} ${hex(bundle)} ${digest}`);
    // V8's own data follows, tens of kilobytes of it for a 540 KB bundle.
    expect(bytes.length - stamp.length).toBeGreaterThan(20_000);
  });

  it("is taken as it is by the next runs: nothing rewritten, the same output", () => {
    const before = cacheState();
    for (const run of [tcpstat(args), tcpstat(args)]) {
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toBe(expected);
    }
    const after = cacheState();
    expect(after.ino).toBe(before.ino);
    expect(after.bytes.equals(before.bytes)).toBe(true);
  });

  it("damaged (node 20 crashed on such data), is not used and is rewritten; the run is unaffected", () => {
    const bytes = readFileSync(cacheFile);
    for (let i = bytes.indexOf(10) + 200; i < bytes.length; i += 97) bytes[i] = bytes[i]! ^ 0x5a;
    writeFileSync(cacheFile, bytes);
    const run = tcpstat(args);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(expected);
    expect(readFileSync(cacheFile).equals(bytes)).toBe(false);
    // And the rewritten cache is taken again.
    const before = cacheState();
    expect(tcpstat(args).stdout).toBe(expected);
    expect(cacheState().ino).toBe(before.ino);
  });

  it("made under other V8 flags, is refused and rewritten for this run's", () => {
    const before = cacheState();
    const run = tcpstat(args, ["--max-lazy"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe(expected);
    expect(cacheState().ino).not.toBe(before.ino);
  });

  it("written by a run that fixes V8's heap growing factor for its work (-i with owners), is taken by the next run", () => {
    // lib/heap-growing.ts sets the flag back before the exit, when the cache is written.
    for (const detailed of [["-i"], ["-i", "--json"]]) {
      rmSync(cacheFile, { force: true });
      const run = tcpstat(detailed);
      expect(run.status, run.stderr).toBe(0);
      const before = cacheState();
      expect(tcpstat(args).stdout).toBe(expected);
      expect(cacheState().ino, detailed.join(" ")).toBe(before.ino);
    }
  });

  it("made for another build of the bundle, is not used even when V8 would take it (it checks only the length)", () => {
    const before = cacheState();
    const bundle = join(root, "dist/cli.cjs");
    const { atime, mtime } = statSync(bundle);
    // Same length, same mtime, one word changed in what explain prints.
    writeFileSync(bundle, readFileSync(bundle, "latin1").replace("On this machine now", "On this machine NOW"), "latin1");
    utimesSync(bundle, atime, mtime);
    expect(tcpstat(args).stdout).toBe(expected.replace("On this machine now", "On this machine NOW"));
    const after = cacheState();
    expect(after.ino).not.toBe(before.ino);
    expect(tcpstat(args).stdout).toBe(expected.replace("On this machine now", "On this machine NOW"));
    expected = expected.replace("On this machine now", "On this machine NOW");
  });

  it("written again, sweeps the temporaries of runs killed while writing it, and only those", () => {
    // A pid that has been and is gone: a process that ran and was reaped.
    const gone = spawnSync("true").pid!;
    const dist = join(root, "dist");
    const planted = {
      killed: `cli.cjs.v8cache.${gone}.tmp`,
      running: `cli.cjs.v8cache.${process.pid}.tmp`,
      notAPid: "cli.cjs.v8cache.x1.tmp",
      otherFile: `chunk.js.${gone}.tmp`,
      // Above any pid Linux hands out (PID_MAX_LIMIT 4194304): of no process.
      otherUser: `cli.cjs.v8cache.5000001.tmp`,
      symlink: `cli.cjs.v8cache.5000002.tmp`,
    };
    for (const [what, name] of Object.entries(planted)) if (what !== "symlink") writeFileSync(join(dist, name), "half-written");
    chownSync(join(dist, planted.otherUser), 65534, 65534);
    writeFileSync(join(root, "target"), "not the cache's");
    symlinkSync(join(root, "target"), join(dist, planted.symlink));
    rmSync(cacheFile, { force: true });

    const run = tcpstat(args);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe(expected);
    expect(statSync(cacheFile).isFile()).toBe(true);
    const left = readdirSync(dist).filter((name) => name.endsWith(".tmp"));
    expect(left.sort()).toEqual([planted.running, planted.notAPid, planted.otherFile, planted.otherUser, planted.symlink].sort());
    expect(readFileSync(join(root, "target"), "utf8")).toBe("not the cache's");
    for (const name of left) rmSync(join(dist, name));
  });

  it("that cannot be read or written costs nothing but the compile: no message, exit 0, nothing left behind", () => {
    rmSync(cacheFile, { force: true });
    mkdirSync(join(cacheFile, "in-the-way"), { recursive: true });
    const run = tcpstat(args);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(expected);
    expect(statSync(cacheFile).isDirectory()).toBe(true);
    expect(readdirSync(join(root, "dist")).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });
});
