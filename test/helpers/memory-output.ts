import type { OutputStream } from "../../src/io.js";

/**
 * An OutputStream that collects what is written to it, for the writers that put bytes
 * straight into the stream's buffer (json-stream.ts, table-gathered.ts): its buffer of
 * `size` bytes is flushed whenever room is asked for and missing, and grows for a piece
 * bigger than itself. `text()` is everything written so far.
 */
export function memoryOutput(size: number): OutputStream & { text(): string } {
  const chunks: Buffer[] = [];
  const out = {
    buf: Buffer.alloc(size),
    used: 0,
    room(bytes: number) {
      if (bytes <= out.buf.length - out.used) return;
      chunks.push(Buffer.from(out.buf.subarray(0, out.used)));
      out.used = 0;
      if (bytes > out.buf.length) out.buf = Buffer.alloc(bytes);
    },
    write(text: string) {
      out.room(Buffer.byteLength(text));
      out.used += out.buf.write(text, out.used);
    },
    drained: () => undefined,
    close: async () => {},
    text: () => Buffer.concat([...chunks, out.buf.subarray(0, out.used)]).toString(),
  };
  return out;
}
