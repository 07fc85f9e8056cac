import { accessSync, closeSync, constants, fstatSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire, wrap } from "node:module";
import { dirname } from "node:path";
import { Script } from "node:vm";
import * as zlib from "node:zlib";

/**
 * Loads a CommonJS file as require() does, compiled with a V8 code cache kept in `cacheFile`,
 * and returns its exports. Compiling the CLI's bundle (540 KB) is the biggest part of a short
 * run (18 ms of about 190 at 1k sockets); from the cache it takes 4 (BENCHMARKS.md, seventh pass).
 *
 * The cache is written when the process exits, so it holds the functions the run compiled as
 * well as the top level, and only when it was missing or unusable. It is used only as written
 * by the same node (version and platform, in its first line) for the same bundle (its size and
 * mtime there too: V8 checks only the source's length) and intact (its CRC-32 there too: V8
 * does not check, and damaged data crashed node 20 with "unreachable code"; zlib's CRC costs
 * 1 ms where loading node:crypto for a hash took 4). V8 itself refuses data made with other V8
 * flags; the file is then compiled as usual and the cache rewritten. A node without
 * zlib.crc32 (before 20.15) compiles as usual every time.
 * Writing is best-effort and silent: a directory the user cannot write (a package installed by
 * root) just means no cache. The cache sits beside the file it comes from, so whoever could
 * change it could change the code itself.
 *
 * The file must not use import(): a vm.Script has no module loader for it (the CLI build turns
 * import() into require(), tsup.config.ts).
 */
export function requireCached(file: string, cacheFile: string): unknown {
  const { source, stamp } = readSource(file);
  const cacheable = typeof zlib.crc32 === "function";
  const cachedData = cacheable ? readCache(cacheFile, stamp) : undefined;
  const script = new Script(wrap(source), { filename: file, cachedData });
  if (cacheable && (cachedData === undefined || script.cachedDataRejected)) process.once("exit", () => writeCache(script, cacheFile, stamp));
  const module = { exports: {} };
  const compiled = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  compiled.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

/**
 * The file's text, and what a cache made from it says in its first line, before the data's
 * CRC-32 that ends the line: "tcpstat-code-cache 1 v20.20.2 linux x64 542843 1764644160000.5 9f2c10e1".
 * Both from one open file, so the stamp is that of the text compiled.
 */
function readSource(file: string): { source: string; stamp: string } {
  const fd = openSync(file, "r");
  try {
    const { size, mtimeMs } = fstatSync(fd);
    return { source: readFileSync(fd, "utf8"), stamp: `tcpstat-code-cache 1 ${process.version} ${process.platform} ${process.arch} ${size} ${mtimeMs}` };
  } finally {
    closeSync(fd);
  }
}

const digest = (data: Uint8Array) => zlib.crc32(data).toString(16).padStart(8, "0");

/** The cached data after the first line, if the file exists, was made for `stamp` and is whole. */
function readCache(cacheFile: string, stamp: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const eol = bytes.indexOf(10);
  const data = bytes.subarray(eol + 1);
  if (eol < 0 || bytes.toString("latin1", 0, eol) !== `${stamp} ${digest(data)}`) return undefined;
  return data;
}

function writeCache(script: Script, cacheFile: string, stamp: string): void {
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    accessSync(dirname(cacheFile), constants.W_OK);
    const data = script.createCachedData();
    writeFileSync(temporary, Buffer.concat([Buffer.from(`${stamp} ${digest(data)}\n`, "latin1"), data]));
    // Renamed into place: a run starting meanwhile reads the old cache or the new one, never half.
    renameSync(temporary, cacheFile);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing more to do: the next run compiles as usual.
    }
  }
}
