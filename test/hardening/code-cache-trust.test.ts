import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32 } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The V8 code cache is bytecode that root runs (issue 22, item 2). A local user who can write
 * the cache but not the bundle must not get root to run bytecode of their choosing. The "evil"
 * cache below is what such a user can make: V8 data compiled from a copy of the bundle with
 * one string changed (same length, which is all V8 checks), under a first line copied from the
 * genuine cache. Each case runs on copies of the built package; the user is nobody (setpriv).
 */
const REPO = fileURLToPath(new URL("../..", import.meta.url));
const NOBODY = 65534;
const GENUINE = "On this machine now";
const PLANTED = "PWNED-by-nobody-now";
let work: string;
let expected: string;
let evilData: Buffer;

function copyPackage(name: string): string {
  const root = join(work, name);
  mkdirSync(root, { mode: 0o755 });
  for (const path of ["package.json", "bin", "dist"]) cpSync(join(REPO, path), join(root, path), { recursive: true });
  rmSync(join(root, "dist/cli.cjs.v8cache"), { force: true });
  return root;
}

function run(root: string, options: { user?: number; umask?: string; cacheHome?: string } = {}) {
  const env = { ...process.env, NO_COLOR: "1", XDG_CACHE_HOME: options.cacheHome ?? join(work, "root-cache") };
  const tcpstat = [process.execPath, join(root, "bin/tcpstat.cjs"), "explain", "TIME_WAIT"];
  const asUser = options.user === undefined ? [] : ["setpriv", `--reuid=${options.user}`, `--regid=${options.user}`, "--clear-groups"];
  const argv = [...asUser, "sh", "-c", `umask ${options.umask ?? "022"} && exec "$@"`, "sh", ...tcpstat];
  const result = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", env });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The genuine cache's first line, ending with the CRC-32 of the planted data: what V8 and tcpstat 1 check. */
function forge(genuine: Buffer): Buffer {
  const header = genuine.toString("latin1", 0, genuine.indexOf(10));
  const forged = `${header.slice(0, header.lastIndexOf(" "))} ${crc32(evilData).toString(16).padStart(8, "0")}\n`;
  return Buffer.concat([Buffer.from(forged, "latin1"), evilData]);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "tcpstat-cache-trust-"));
  chmodSync(work, 0o755);
  const evil = copyPackage("evil");
  const bundle = join(evil, "dist/cli.cjs");
  writeFileSync(bundle, readFileSync(bundle, "latin1").replace(GENUINE, PLANTED), "latin1");
  const made = run(evil);
  expect(made.stdout).toContain(PLANTED);
  const cache = readFileSync(join(evil, "dist/cli.cjs.v8cache"));
  evilData = cache.subarray(cache.indexOf(10) + 1);
  const clean = run(copyPackage("clean"));
  expect(clean.status, clean.stderr).toBe(0);
  expected = clean.stdout;
  expect(expected).toContain(GENUINE);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the code cache run as root", () => {
  it("is written 0644 under umask 000, so no other user can replace it", () => {
    const root = copyPackage("umask");
    expect(run(root, { umask: "000" }).stdout).toBe(expected);
    const stats = statSync(join(root, "dist/cli.cjs.v8cache"));
    expect({ uid: stats.uid, mode: stats.mode & 0o777 }).toEqual({ uid: 0, mode: 0o644 });
  });

  it("writable by another user (as umask 000 left it before), is not used: the planted bytecode never runs", () => {
    const root = copyPackage("world-writable");
    const cacheFile = join(root, "dist/cli.cjs.v8cache");
    expect(run(root).stdout).toBe(expected);
    chmodSync(cacheFile, 0o666);
    const planted = spawnSync("setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "sh", "-c", 'cat > "$0"', cacheFile], { input: forge(readFileSync(cacheFile)) });
    expect(planted.status, planted.stderr?.toString()).toBe(0);
    const r = run(root);
    expect(r.stdout).toBe(expected);
    expect(r.stdout).not.toContain(PLANTED);
    // Rewritten by root's run, and safe again.
    const stats = statSync(cacheFile);
    expect({ uid: stats.uid, mode: stats.mode & 0o777 }).toEqual({ uid: 0, mode: 0o644 });
  });

  it("in a package directory a user owns (npx in their project), is not used; root's cache goes to its own directory", () => {
    const root = copyPackage("users-project");
    const cacheHome = join(work, "root-cache-2");
    for (const path of [root, join(root, "dist"), join(root, "bin")]) chownSync(path, NOBODY, NOBODY);
    const cacheFile = join(root, "dist/cli.cjs.v8cache");
    expect(run(root, { cacheHome }).stdout).toBe(expected);
    const genuine = readFileSync(join(cacheHome, "tcpstat", readdirSync(join(cacheHome, "tcpstat"))[0]!));
    writeFileSync(cacheFile, forge(genuine));
    chownSync(cacheFile, NOBODY, NOBODY);
    const r = run(root, { cacheHome });
    expect(r.stdout).toBe(expected);
    expect(r.stdout).not.toContain(PLANTED);
    const own = readdirSync(join(cacheHome, "tcpstat"));
    expect(own).toHaveLength(1);
    const dirStats = statSync(join(cacheHome, "tcpstat"));
    const fileStats = statSync(join(cacheHome, "tcpstat", own[0]!));
    expect({ dir: dirStats.mode & 0o777, file: fileStats.mode & 0o777, uid: fileStats.uid }).toEqual({ dir: 0o700, file: 0o600, uid: 0 });
    // The planted file is left as it was: root writes nothing into a directory a user controls.
    expect(statSync(cacheFile).uid).toBe(NOBODY);
  });
});

describe("the code cache run by a user on a package root installed", () => {
  it("goes to the user's own cache directory, 0600, and is used by the next run", () => {
    const root = copyPackage("installed-by-root");
    const cacheHome = join(work, "nobody-cache");
    mkdirSync(cacheHome);
    chownSync(cacheHome, NOBODY, NOBODY);
    const first = run(root, { user: NOBODY, cacheHome });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toBe(expected);
    expect(existsSync(join(root, "dist/cli.cjs.v8cache"))).toBe(false);
    const [name] = readdirSync(join(cacheHome, "tcpstat"));
    const file = join(cacheHome, "tcpstat", name!);
    const stats = statSync(file);
    expect({ uid: stats.uid, mode: stats.mode & 0o777 }).toEqual({ uid: NOBODY, mode: 0o600 });
    expect(run(root, { user: NOBODY, cacheHome }).stdout).toBe(expected);
    expect(statSync(file).ino).toBe(stats.ino);
    expect(statSync(file).mtimeMs).toBe(stats.mtimeMs);
  });
});
