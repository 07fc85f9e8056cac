import type { OutputStream } from "../io.js";
import { digits } from "../lib/endpoint.js";

/**
 * Bytes written straight into an OutputStream's buffer, by formats that write a row without
 * making its text (json-stream.ts, table-gathered.ts). Each asks for the room it needs, which
 * flushes the buffer only if the writer has not asked for the whole row's room before (as
 * they do: a row goes out whole). A piece bigger than the buffer goes out as text.
 */

export function putBytes(out: OutputStream, bytes: Uint8Array): void {
  if (bytes.length > out.buf.length) return out.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString());
  out.room(bytes.length);
  out.buf.set(bytes, out.used);
  out.used += bytes.length;
}

export function putByte(out: OutputStream, byte: number): void {
  out.room(1);
  out.buf[out.used++] = byte;
}

/** Decimal digits of a whole number >= 0 (as String(n) and JSON.stringify write it). */
export function putUint(out: OutputStream, n: number): void {
  out.room(digits(n));
  out.used = writeUint(out.buf, out.used, n);
}

/** The digits of a whole number >= 0 at b[at...], room for them given; returns where they end. */
export function writeUint(b: Uint8Array, at: number, n: number): number {
  const end = at + digits(n);
  let rest = n;
  let i = end;
  do {
    const next = Math.floor(rest / 10);
    b[--i] = 0x30 + (rest - next * 10);
    rest = next;
  } while (rest > 0);
  return end;
}
