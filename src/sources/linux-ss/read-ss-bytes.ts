import { isIPv4 } from "node:net";
import { formatIpv6, ipv6Bytes } from "../../lib/endpoint.js";

/**
 * Reading ss's text in place, as bytes (parse-ss-rows.ts): words compared, numbers read and
 * addresses made into text without a string made per field.
 */

const DOT = 0x2e;

/** Whether b[from, to) is `word`. */
export function same(b: Uint8Array, from: number, to: number, word: Uint8Array): boolean {
  if (to - from !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (b[from + k] !== word[k]) return false;
  return true;
}

/** Whether b[from, to) begins with `word`. */
export function startsWith(b: Uint8Array, from: number, to: number, word: Uint8Array): boolean {
  return to - from >= word.length && same(b, from, from + word.length, word);
}

/** Decimal digits in b[from, to); -1 if none or any other byte. */
export function decimal(b: Uint8Array, from: number, to: number): number {
  if (to <= from) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v <= Number.MAX_SAFE_INTEGER ? v : -1;
}

/** A number ss printed (%u, %llu, or %g as in rtt:0.024): as Number() reads it; NaN when negative or none. */
export function figure(b: Uint8Array, from: number, to: number): number {
  if (to === from) return 0; // Number("")
  let v = 0;
  let scale = 0;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c === DOT && scale === 0) scale = 1;
    else if (c >= 0x30 && c <= 0x39) {
      v = v * 10 + (c - 0x30);
      if (scale > 0) scale *= 10;
    } else {
      // "2e-05" and the like: what Number() makes of it, as the store reads it.
      const n = Number(Buffer.from(b.buffer, b.byteOffset + from, to - from).toString("latin1"));
      return Number.isFinite(n) && n >= 0 ? n : NaN;
    }
  }
  // Exact integers divided once: the double nearest the decimal, as Number() gives.
  return v > Number.MAX_SAFE_INTEGER ? Number(Buffer.from(b.buffer, b.byteOffset + from, to - from).toString("latin1")) : scale > 1 ? v / scale : v;
}

/** Address texts met, by their bytes as ss printed them: each is made into text once. */
export class Addresses {
  private readonly known = new Map<number, { raw: Uint8Array; text: string | null }>();

  /** The address in b[from, to) ("127.0.0.1", "::1" from inside brackets, "*"), or null if it is none. */
  text(b: Uint8Array, from: number, to: number, ipv6: boolean): string | null {
    let hash = ipv6 ? 1 : 0;
    for (let i = from; i < to; i++) hash = Math.imul(hash, 31) + b[i]!;
    const known = this.known.get(hash);
    if (known !== undefined && same(b, from, to, known.raw)) return known.text;
    const raw = Uint8Array.prototype.slice.call(b, from, to); // a copy: a Buffer's slice() would keep ss's whole piece alive
    const given = Buffer.from(raw).toString("latin1");
    let text: string | null;
    if (given === "*") text = "::";
    else if (ipv6) {
      const v6 = ipv6Bytes(given);
      text = v6 === null ? null : formatIpv6(v6);
    } else text = isIPv4(given) ? given : null;
    if (known === undefined) this.known.set(hash, { raw, text });
    return text;
  }
}
