import { randomBytes } from "node:crypto";
import { closeSync, openSync, readSync, statSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A command's stdout as an unlinked file that we read while it grows, in place of a pipe: a
 * pipe holds 64 KiB, so a command printing faster than node reads it waits on every write,
 * and `ss -tainHOe` at 100k sockets ran half as fast again into tcpstat as into a file
 * (BENCHMARKS.md, issue 18, fifth pass). The file is in memory where the machine has
 * /dev/shm, made new (O_EXCL, mode 0600, never following a link) and unlinked at once, so
 * nothing of it stays on any way out but the descriptor, closed by `done`.
 */
export interface Spool {
  /** The descriptor to give the child as its stdout. */
  readonly fd: number;
  /**
   * The next piece the child wrote (at most SPOOL_PIECE bytes), empty when nothing new: a view
   * of one buffer that each call fills again, valid until the next call.
   */
  take(): Buffer;
  /** Bytes taken so far. */
  readonly taken: number;
  /** Closes the file (its space goes with it). */
  done(): void;
}

/** Bytes read at a time: a piece still in the cache when its reader goes through it. */
export const SPOOL_PIECE = 256 * 1024;

/** Directories a spool may go in, memory first. */
function spoolDirs(): string[] {
  const dirs: string[] = [];
  try {
    if (statSync("/dev/shm").isDirectory()) dirs.push("/dev/shm");
  } catch {
    // none here (macOS, the BSDs, some containers)
  }
  dirs.push(tmpdir());
  return dirs;
}

/** A new spool, or undefined where no directory takes one (the caller then reads a pipe). */
export function openSpool(dirs: readonly string[] = spoolDirs()): Spool | undefined {
  for (const dir of dirs) {
    const path = join(dir, `tcpstat-${process.pid}-${randomBytes(6).toString("hex")}`);
    let fd: number;
    try {
      fd = openSync(path, "wx+", 0o600);
    } catch {
      continue;
    }
    try {
      unlinkSync(path);
    } catch {
      closeSync(fd);
      continue;
    }
    return spoolOn(fd);
  }
  return undefined;
}

function spoolOn(fd: number): Spool {
  let taken = 0;
  let open = true;
  const piece = Buffer.allocUnsafe(SPOOL_PIECE);
  return {
    fd,
    get taken() {
      return taken;
    },
    take() {
      const n = readSync(fd, piece, 0, SPOOL_PIECE, taken);
      taken += n;
      return piece.subarray(0, n);
    },
    done() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
