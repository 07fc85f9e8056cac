import { closeSync, openSync, readSync, statSync, statfsSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A command's stdout as an unlinked file that we read while it grows, in place of a pipe: a
 * pipe holds 64 KiB, so a command printing faster than node reads it waits on every write,
 * and `ss -tainHOe` at 100k sockets ran half as fast again into tcpstat as into a file
 * (BENCHMARKS.md, issue 18, fifth pass). The file is in memory where the machine has
 * /dev/shm, made new (O_EXCL, mode 0600, never following a link) and unlinked at once, so
 * nothing of it stays on any way out but the descriptor, closed by `done`.
 *
 * A command writing into a full file system is cut short and may not say so (ss exits 0): a
 * spool goes only where there is room for all the output its caller accepts (`room`), and
 * `filled` tells afterwards whether the file system ran out of space all the same.
 */
export interface Spool {
  /** The descriptor to give the child as its stdout. */
  readonly fd: number;
  /**
   * The next piece the child wrote (at most SPOOL_PIECE bytes), empty when nothing new: a view
   * of one buffer that each call fills again, valid until the next call.
   */
  take(): Buffer;
  /** Whether the spool's file system has no space left: what the command wrote may be cut short. */
  filled(): boolean;
  /** The directory it is in. */
  readonly dir: string;
  /** Closes the file (its space goes with it). */
  done(): void;
}

/**
 * Bytes read at a time: 256 KiB took 30 ms less than 64 KiB at 100k sockets, and 1 MiB no less
 * (BENCHMARKS.md, issue 18, fifth pass). A reader that makes text of a piece makes a string
 * that V8 keeps in its large-object space (past 128 KiB): the spool is for readers of bytes.
 */
const SPOOL_PIECE = 256 * 1024;

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

/** Free bytes for this user in dir's file system, 0 if it cannot be told. */
function room(dir: string): number {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize;
  } catch {
    return 0;
  }
}

/**
 * A new spool in the first of `dirs` with `needed` bytes free, or undefined where none takes one
 * (the caller then reads a pipe). The name needs no secret: O_EXCL refuses a name planted there.
 */
export function openSpool(needed: number, dirs: readonly string[] = spoolDirs()): Spool | undefined {
  for (const dir of dirs) {
    if (room(dir) < needed) continue;
    const path = join(dir, `tcpstat-${process.pid}-${Math.random().toString(36).slice(2)}`);
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
    return spoolOn(fd, dir);
  }
  return undefined;
}

function spoolOn(fd: number, dir: string): Spool {
  let taken = 0;
  let open = true;
  const piece = Buffer.allocUnsafe(SPOOL_PIECE);
  return {
    fd,
    dir,
    filled: () => room(dir) === 0,
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
