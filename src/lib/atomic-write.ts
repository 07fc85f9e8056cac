import { randomBytes } from "node:crypto";
import { lstat, open, rename, unlink } from "node:fs/promises";
import type { Stats } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { TcpstatError } from "../errors.js";

/**
 * Writes a file so readers see the old content or the new, never half of it: the text goes
 * to a temporary file in the same directory (same filesystem, so rename(2) is atomic),
 * is flushed to disk, then renamed over the target. node_exporter's textfile collector
 * asks for exactly this, and ignores the temporary name because it does not end in ".prom".
 *
 * Run as root it must not become a way to clobber what it was not asked to (issue 22): the
 * target is absent or a regular file, anything else (a device such as /dev/null, a FIFO, a
 * socket, a directory, a symlink) is refused before anything is written; a file replaced
 * keeps its owner, group and mode; a new one gets 0644 whatever the umask.
 *
 * Hand-written rather than write-file-atomic: its 7.x wants Node ^20.17 and 8.x Node 22,
 * while tcpstat supports every Node 20; the whole job is the lines below.
 */
export async function writeFileAtomic(path: string, chunks: Iterable<string>): Promise<void> {
  const target = resolve(path);
  const existing = await existingTarget(target, path);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let created = false;
  try {
    const file = await open(temp, "wx", 0o600);
    created = true;
    try {
      if (existing && (existing.uid !== process.getuid?.() || existing.gid !== process.getgid?.())) await file.chown(existing.uid, existing.gid);
      // chmod after chown: chown clears set-id bits; the mode is exact, the umask plays no part.
      await file.chmod(existing ? existing.mode & 0o7777 : 0o644);
      for (const chunk of chunks) await file.write(chunk);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, target);
    created = false;
  } catch (error) {
    if (created) await unlink(temp).catch(() => {});
    throw explain(error as NodeJS.ErrnoException, path);
  }
}

/** The target's lstat when it is a regular file, undefined when absent; anything else is refused. */
async function existingTarget(target: string, path: string): Promise<Stats | undefined> {
  let stats: Stats;
  try {
    stats = await lstat(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw explain(error as NodeJS.ErrnoException, path);
  }
  if (stats.isFile()) return stats;
  throw new TcpstatError(`refusing to replace ${path}: it is ${kindOf(stats)}, not a regular file`, "give the path of a regular file, or of one that does not exist yet");
}

function kindOf(stats: Stats): string {
  if (stats.isSymbolicLink()) return "a symbolic link";
  if (stats.isDirectory()) return "a directory";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

function explain(error: NodeJS.ErrnoException, path: string): Error {
  const hints: Record<string, string> = {
    ENOENT: "create the directory first, or give another --output path",
    EACCES: "choose a directory this user may write to",
    EPERM: "choose a directory this user may write to, or a file this user owns",
    EISDIR: "give a file name, not a directory",
    ENOTDIR: "a part of the path is not a directory; give another --output path",
    EROFS: "the filesystem is read-only; choose another --output path",
    ENOSPC: "free some space on that filesystem",
  };
  const hint = error.code ? hints[error.code] : undefined;
  if (!hint) return error;
  return new TcpstatError(`cannot write ${path}: ${error.code}`, hint);
}
