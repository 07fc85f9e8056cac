/** Display width: CJK and full-width forms take two columns. */
const charWidth = (ch: string) => (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1);

/** Columns a text takes on a terminal. */
export const displayWidth = (text: string) => [...text].reduce((n, ch) => n + charWidth(ch), 0);

/**
 * Wraps text to `width` columns with an indent: words stay whole; CJK text, which has no
 * spaces, may break between any two characters.
 */
export function wrap(text: string, width: number, indent = "  "): string {
  const room = Math.max(20, width - indent.length);
  const tokens = text.match(/[\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uffe6][，。；：、）」]?|[^\s\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uffe6]+|\s+/g) ?? [];
  const lines: string[] = [];
  let line = "";
  let used = 0;
  for (const token of tokens) {
    if (/^\s+$/.test(token)) {
      if (used > 0) {
        line += " ";
        used++;
      }
      continue;
    }
    const w = [...token].reduce((n, ch) => n + charWidth(ch), 0);
    if (used + w > room && used > 0) {
      lines.push(line.trimEnd());
      line = "";
      used = 0;
    }
    line += token;
    used += w;
  }
  if (line.trim() !== "") lines.push(line.trimEnd());
  return lines.map((l) => indent + l).join("\n");
}
