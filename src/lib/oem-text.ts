import iconv from "iconv-lite";
import { GUESSED_CODE_PAGES, encodingName, plausibility } from "./codepage.js";

/**
 * Windows console text that reached us through the wrong decoder. A replayed capture that is
 * not valid UTF-8 is read as latin1 (one character a byte), so cp850 netstat output arrives as
 * "ABH\u0099REN" and cp866 as "\u008a\u00ae..." . The bytes are still all there: this tries the
 * OEM code pages on them and keeps the most plausible text, the text as given winning a tie, so
 * genuine UTF-8 text ("ABHÖREN") is left alone.
 *
 *   recoverOemText("ABH\u0099REN") -> "ABHÖREN"   (cp850)
 */
export function recoverOemText(text: string): string {
  let high = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return text; // not a byte-per-character decoding
    if (c >= 0x80) high = true;
  }
  if (!high) return text;
  const bytes = Buffer.from(text, "latin1");
  let best = { text, score: plausibility(text) };
  for (const cp of GUESSED_CODE_PAGES) {
    const decoded = iconv.decode(bytes, encodingName(cp));
    const score = plausibility(decoded);
    if (score > best.score) best = { text: decoded, score };
  }
  return best.text;
}
