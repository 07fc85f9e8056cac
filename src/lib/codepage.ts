/**
 * Windows console output in the right code page. Console programs (netstat, tasklist, chcp)
 * write in the console's OEM code page (cp437 US, cp850 Western Europe, cp852 Central Europe,
 * cp866 Cyrillic, cp932 Japanese, cp936 Simplified Chinese, cp949 Korean, cp950 Traditional
 * Chinese, 65001 UTF-8), not UTF-8: German ABHÖREN arrives as the bytes 41 42 48 99 52 45 4E.
 * iconv-lite (loaded on first use, so other commands never pay for it) decodes them.
 */

/**
 * The code page number from `chcp` output in any language:
 *   "Active code page: 850" / "Aktive Codepage: 850." / "活动代码页: 936" / "Page de codes active : 850"
 */
export function parseChcp(text: string): number | null {
  const numbers = text.match(/\d{3,5}/g);
  const last = numbers?.[numbers.length - 1];
  return last === undefined ? null : Number(last);
}

/** iconv-lite's name for a Windows code page number. */
export function encodingName(codePage: number): string {
  if (codePage === 65001) return "utf8";
  if (codePage === 1200) return "utf16le";
  if (codePage === 20127) return "ascii";
  if (codePage === 28591) return "latin1";
  if (codePage >= 1250 && codePage <= 1258) return `windows-${codePage}`;
  return `cp${codePage}`;
}

/** OEM code pages tried, in this order, when a capture's code page is unknown. */
export const GUESSED_CODE_PAGES: readonly number[] = [850, 437, 852, 866, 857, 932, 936, 949, 950];

type Iconv = typeof import("iconv-lite");
let iconv: Promise<Iconv> | undefined;
async function loadIconv(): Promise<Iconv> {
  iconv ??= import("iconv-lite").then((m) => ((m as { default?: Iconv }).default ?? m) as Iconv);
  return iconv;
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** How plausible a decoding is: letters beyond ASCII count for it, symbols and U+FFFD against. */
export function plausibility(text: string): number {
  let score = 0;
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) continue;
    score += /\p{L}/u.test(ch) ? 1 : -2;
  }
  return score;
}

export interface DecodeOptions {
  /** The code page the bytes are in (from chcp); null or absent: find out. */
  codePage?: number | null;
  /** Scores a candidate decoding when guessing; higher wins (default: letters over symbols). */
  score?: (text: string) => number;
}

/**
 * Text of console output bytes. A byte-order mark decides first (PowerShell's `>` writes
 * UTF-16LE with one); then the given code page; then UTF-8 if the bytes are valid UTF-8;
 * else the OEM code page whose decoding scores best.
 */
export async function decodeConsoleBytes(bytes: Uint8Array, options: DecodeOptions = {}): Promise<string> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3).toString("utf8");
  if (buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString("utf16le");
  if (buf[0] === 0xfe && buf[1] === 0xff) return (await loadIconv()).decode(buf.subarray(2), "utf16be");
  const lib = options.codePage != null || !isUtf8(buf) ? await loadIconv() : undefined;
  if (options.codePage != null && lib) {
    const name = encodingName(options.codePage);
    if (lib.encodingExists(name)) return lib.decode(buf, name);
  }
  if (!lib || isUtf8(buf)) return buf.toString("utf8");
  const score = options.score ?? plausibility;
  let best = { text: "", value: -Infinity };
  for (const cp of GUESSED_CODE_PAGES) {
    const text = lib.decode(buf, encodingName(cp));
    const value = score(text);
    if (value > best.value) best = { text, value };
  }
  return best.text;
}
