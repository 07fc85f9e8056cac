import type { OutputStream } from "../io.js";
import { digits } from "../lib/endpoint.js";

/**
 * Bytes written straight into an OutputStream's buffer, by formats that write a row without
 * making its text (json-stream.ts, table-stream.ts). Each asks for the room it needs (the
 * buffer is flushed first when short of it), so a piece bigger than the buffer (a padding
 * as wide as a hostile process name) still fits: it goes out as text.
 */

/** Pieces bigger than this go through out.write, which sends them by themselves. */
const BIG = 1 << 12;

export function putBytes(out: OutputStream, bytes: Uint8Array): void {
  if (bytes.length > BIG) return out.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString());
  out.room(bytes.length);
  out.buf.set(bytes, out.used);
  out.used += bytes.length;
}

export function putSpaces(out: OutputStream, count: number): void {
  if (count > BIG) return out.write(" ".repeat(count));
  out.room(count);
  out.buf.fill(0x20, out.used, out.used + count);
  out.used += count;
}

export function putByte(out: OutputStream, byte: number): void {
  out.room(1);
  out.buf[out.used++] = byte;
}

/** Decimal digits of a whole number >= 0 (as String(n) and JSON.stringify write it). */
export function putUint(out: OutputStream, n: number): void {
  const length = digits(n);
  out.room(length);
  const b = out.buf;
  let at = out.used + length;
  out.used = at;
  let rest = n;
  do {
    const next = Math.floor(rest / 10);
    b[--at] = 0x30 + (rest - next * 10);
    rest = next;
  } while (rest > 0);
}
