import { accessSync, closeSync, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { createRequire, wrap } from "node:module";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join } from "node:path";
import { Script } from "node:vm";
import * as zlib from "node:zlib";

/**
 * Loads a CommonJS file as require() does, compiled with a V8 code cache kept in `cacheFile`,
 * and returns its exports. Compiling the CLI's bundle is the biggest part of a short run;
 * from the cache it takes a fraction of that (BENCHMARKS.md, seventh pass and issue 15).
 *
 * The cache is written when the process exits, so it holds the functions the run compiled as
 * well as the top level, and only when it was missing or unusable. It is used only as written
 * by the same node (version and platform, in its first line) for the same bundle (its size and
 * the CRC-32 of its whole text there too: V8 checks only the source's length) and intact (the
 * CRC-32 of the data there too: V8 does not check, and damaged data crashed node 20 with
 * "unreachable code"). V8 itself refuses data made with other V8 flags; the file is then
 * compiled as usual and the cache rewritten. A node without zlib.crc32 (before 20.15) compiles
 * as usual every time.
 *
 * A cache is bytecode that runs with the rights of whoever runs tcpstat, often root (issue 22):
 * so it is read only from a directory owned by this user or root and writable by no one else,
 * only if the file itself is such (opened without following a symlink), and written 0644 (0600
 * in a per-user directory) whatever the umask. Where the bundle's directory fails that (a
 * package under a user's node_modules run by root) or cannot be written and holds no cache (a
 * package installed by root run by a user), the cache goes to a per-user directory,
 * $XDG_CACHE_HOME/tcpstat or ~/.cache/tcpstat (mode 0700), under the same checks; failing those
 * too, the run compiles without a cache (BENCHMARKS.md, eighth pass: what that costs). The
 * checks bind the cache to a place and an owner; the CRC binds it to the bundle's text against
 * mistakes (a rebuilt bundle of the same size), not against forgery: whoever could forge it
 * could write the cache, which the checks exclude. A SHA-256 would load node:crypto (BENCHMARKS.md).
 * Writing is best-effort and silent; a run that writes also removes the temporaries of runs
 * killed while writing (sweepTemporaries).
 *
 * The file must not use import(): a vm.Script has no module loader for it (the CLI build turns
 * import() into require(), tsup.config.ts).
 */
export function requireCached(file: string, cacheFile: string): unknown {
  const { source, stamp } = readSource(file);
  const cacheable = typeof zlib.crc32 === "function";
  const place = cacheable ? choosePlace(file, cacheFile) : undefined;
  const cachedData = place ? readCache(place.file, stamp) : undefined;
  const script = new Script(wrap(source), { filename: file, cachedData });
  if (place && (cachedData === undefined || script.cachedDataRejected)) process.once("exit", () => writeCache(script, place, stamp));
  const module = { exports: {} };
  const compiled = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  compiled.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

const digest = (data: Uint8Array) => zlib.crc32(data).toString(16).padStart(8, "0");

/**
 * The file's text, and what a cache made from it says in its first line, before the data's
 * CRC-32 that ends the line: "tcpstat-code-cache 2 v20.20.2 linux x64 542843 5be0a7c1 9f2c10e1"
 * (the bundle's size and the CRC-32 of its bytes). Both from one read, so the stamp is that of
 * the text compiled.
 */
function readSource(file: string): { source: string; stamp: string } {
  const bytes = readFileSync(file);
  const sum = typeof zlib.crc32 === "function" ? digest(bytes) : "-";
  return { source: bytes.toString("utf8"), stamp: `tcpstat-code-cache 2 ${process.version} ${process.platform} ${process.arch} ${bytes.length} ${sum}` };
}

interface Place {
  file: string;
  mode: number;
}

const euid = () => process.geteuid?.() ?? 0;

/** Owned by this user or root, writable by neither group nor others. */
const trusted = (stats: { uid: number; mode: number }) => (stats.uid === euid() || stats.uid === 0) && (stats.mode & 0o022) === 0;

function trustedDir(dir: string): boolean {
  try {
    const stats = statSync(dir);
    return stats.isDirectory() && trusted(stats);
  } catch {
    return false;
  }
}

const writable = (dir: string) => {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/** Beside the bundle when that directory is safe and holds a cache or may get one; else the per-user one. */
function choosePlace(file: string, cacheFile: string): Place | undefined {
  const beside = dirname(cacheFile);
  if (trustedDir(beside) && (writable(beside) || exists(cacheFile))) return { file: cacheFile, mode: 0o644 };
  const base = process.env.XDG_CACHE_HOME;
  const parent = base && isAbsolute(base) ? base : join(homedir(), ".cache");
  const dir = join(parent, "tcpstat");
  // Two plain mkdirs, not { recursive: true }: node 20's recursive mkdir loops forever under /proc.
  if (!makeDir(dir) && !(makeDir(parent) && makeDir(dir))) return undefined;
  if (!trustedDir(dir)) return undefined;
  // One file per installed bundle, named by its path: two installs do not overwrite each other's.
  return { file: join(dir, `${digest(Buffer.from(file))}-${basename(cacheFile)}`), mode: 0o600 };
}

/** Whether `dir` exists now (made here or before). */
function makeDir(dir: string): boolean {
  try {
    mkdirSync(dir, { mode: 0o700 });
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EEXIST";
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The cached data after the first line, if the file is safe to use, was made for `stamp` and is whole. */
function readCache(cacheFile: string, stamp: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    const fd = openSync(cacheFile, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile() || !trusted(stats)) return undefined;
      bytes = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const eol = bytes.indexOf(10);
  const data = bytes.subarray(eol + 1);
  if (eol < 0 || bytes.toString("latin1", 0, eol) !== `${stamp} ${digest(data)}`) return undefined;
  return data;
}

function writeCache(script: Script, place: Place, stamp: string): void {
  sweepTemporaries(place.file);
  const temporary = `${place.file}.${process.pid}.tmp`;
  let created = false;
  try {
    const data = script.createCachedData();
    // Exclusive: never through a file or symlink already there. fchmod: the umask plays no part.
    const fd = openSync(temporary, "wx", place.mode);
    created = true;
    try {
      fchmodSync(fd, place.mode);
      writeFileSync(fd, Buffer.concat([Buffer.from(`${stamp} ${digest(data)}\n`, "latin1"), data]));
    } finally {
      closeSync(fd);
    }
    // Renamed into place: a run starting meanwhile reads the old cache or the new one, never half.
    renameSync(temporary, place.file);
  } catch {
    try {
      if (created) rmSync(temporary, { force: true });
    } catch {
      // Nothing more to do: the next run compiles as usual.
    }
  }
}

/**
 * Removes what runs killed while writing the cache left: "cli.cjs.v8cache.4711.tmp" beside
 * `cacheFile` (a place choosePlace found trusted), when it is a file of this user and process
 * 4711 is gone. Only names of that exact shape, never through a symlink; a temporary of a
 * running process (or of a pid reused since) stays. Run by a run that writes the cache: one that
 * finds a usable cache does not read the directory.
 */
function sweepTemporaries(cacheFile: string): void {
  const dir = dirname(cacheFile);
  const prefix = `${basename(cacheFile)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const pidText = name.slice(prefix.length, -".tmp".length);
    if (!/^[1-9]\d{0,6}$/.test(pidText) || alive(Number(pidText))) continue;
    const path = join(dir, name);
    try {
      const stats = lstatSync(path);
      if (stats.isFile() && stats.uid === euid()) unlinkSync(path);
    } catch {
      // Gone meanwhile, or not ours to remove: left as it is.
    }
  }
}

/** Whether process `pid` exists (EPERM: it does, another user's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}
