import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { TcpstatError } from "../errors.js";

/**
 * Writes a file so readers see the old content or the new, never half of it: the text goes
 * to a temporary file in the same directory (same filesystem, so rename(2) is atomic),
 * is flushed to disk, then renamed over the target. node_exporter's textfile collector
 * asks for exactly this, and ignores the temporary name because it does not end in ".prom".
 *
 * Hand-written rather than write-file-atomic: its 7.x wants Node ^20.17 and 8.x Node 22,
 * while tcpstat supports every Node 20; the whole job is the thirty lines below.
 */
export async function writeFileAtomic(path: string, chunks: Iterable<string>): Promise<void> {
  const target = resolve(path);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let created = false;
  try {
    const file = await open(temp, "wx", 0o644);
    created = true;
    try {
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

function explain(error: NodeJS.ErrnoException, path: string): Error {
  const hints: Record<string, string> = {
    ENOENT: "create the directory first, or give another --output path",
    EACCES: "choose a directory this user may write to",
    EPERM: "choose a directory this user may write to",
    EISDIR: "give a file name, not a directory",
    EROFS: "the filesystem is read-only; choose another --output path",
    ENOSPC: "free some space on that filesystem",
  };
  const hint = error.code ? hints[error.code] : undefined;
  if (!hint) return error;
  return new TcpstatError(`cannot write ${path}: ${error.code}`, hint);
}
