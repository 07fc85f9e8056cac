import { closeSync, openSync, readSync } from "node:fs";

const LF = 0x0a;
export const CHUNK = 1 << 18;

/**
 * A file read a chunk at a time through one buffer, handed over as whole lines only: /proc
 * tables of 100k sockets are big (BENCHMARKS.md, issue 15); a whole-file read would copy piece
 * by piece. Each next() gives b[0, length), ending on a line end (the last piece may end
 * without one), valid until the next call; null once the file is read. `found` is false
 * when the file does not exist (e.g. tcp6 with IPv6 disabled); other errors are thrown.
 */
export class LineChunks {
  readonly found: boolean;
  private fd = -1;
  /** Bytes of the buffer after the last piece (a line cut short), moved to its front at the next read. */
  private rest = { from: 0, to: 0 };

  constructor(
    path: string,
    private readonly buffer: { bytes: Buffer },
  ) {
    try {
      this.fd = openSync(path, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    this.found = this.fd >= 0;
  }

  next(): { bytes: Buffer; length: number } | null {
    if (this.fd < 0) return null;
    const { from, to } = this.rest;
    this.buffer.bytes.copyWithin(0, from, to);
    let kept = to - from;
    try {
      for (;;) {
        if (kept === this.buffer.bytes.length) this.buffer.bytes = Buffer.concat([this.buffer.bytes, Buffer.allocUnsafe(this.buffer.bytes.length)]);
        const b = this.buffer.bytes;
        const end = kept + readSync(this.fd, b, kept, b.length - kept, null);
        if (end === kept) {
          this.close();
          return kept > 0 ? { bytes: b, length: kept } : null; // a last line without its newline
        }
        const lastLine = b.lastIndexOf(LF, end - 1);
        if (lastLine < 0) {
          kept = end;
          continue;
        }
        this.rest = { from: lastLine + 1, to: end };
        return { bytes: b, length: lastLine + 1 };
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Reads the whole file as LineChunks, each piece to `onLines`; false when it does not exist. */
export function readLineChunks(path: string, buffer: { bytes: Buffer }, onLines: (b: Buffer, length: number) => void): boolean {
  const chunks = new LineChunks(path, buffer);
  try {
    for (let piece = chunks.next(); piece; piece = chunks.next()) onLines(piece.bytes, piece.length);
  } finally {
    chunks.close();
  }
  return chunks.found;
}
