import { closeSync, openSync, readSync } from "node:fs";

const LF = 0x0a;
export const CHUNK = 1 << 18;

/**
 * Reads a file a chunk at a time through one buffer and hands over whole lines only:
 * /proc tables of 100k sockets are 15 MB, which a whole-file read would allocate (and copy)
 * piece by piece. `onLines(b, length)` gets b[0, length), ending on a line end (the last
 * piece may end without one). Returns false when the file does not exist (e.g. tcp6 with
 * IPv6 disabled); other errors are thrown.
 */
export function readLineChunks(path: string, buffer: { bytes: Buffer }, onLines: (b: Buffer, length: number) => void): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  try {
    let kept = 0; // the start of a line the last read cut short, moved to the front
    for (;;) {
      if (kept === buffer.bytes.length) buffer.bytes = Buffer.concat([buffer.bytes, Buffer.allocUnsafe(buffer.bytes.length)]);
      const b = buffer.bytes;
      const end = kept + readSync(fd, b, kept, b.length - kept, null);
      if (end === kept) {
        if (kept > 0) onLines(b, kept); // a last line without its newline
        return true;
      }
      const lastLine = b.lastIndexOf(LF, end - 1);
      if (lastLine < 0) {
        kept = end;
        continue;
      }
      onLines(b, lastLine + 1);
      b.copyWithin(0, lastLine + 1, end);
      kept = end - lastLine - 1;
    }
  } finally {
    closeSync(fd);
  }
}
