import type { ReplayFormat } from "./replay-format.js";
import { blankPasteNoise, commonIndent, dedent, unquote } from "./paste.js";

/**
 * Which format a capture is: every format's parser reads the capture's head, and the one that
 * reads the most rows wins. A prompt, a banner, a notice, a `netstat -r` route table or a UNIX
 * socket section around the rows reads as no row in any format, so it never decides. Ties go
 * to the format whose detect() recognizes the head (a header line, a row shape), then to the
 * fewest unreadable lines, then to the order of the format list (more specific formats first).
 * A capture whose head reads as no row in any format keeps detect()'s word: a header alone
 * (`ss -tln` with nothing listening) is still that format, with no sockets.
 *
 * The head is bounded (HEAD_LINES lines, each cut at HEAD_LINE_CHARS; when none of it reads as
 * rows, the next HEAD_LINES lines, at most WINDOWS times), so detection costs the same on a
 * capture of ten rows as on one of a million.
 *
 *   rankFormats(formats, "$ ss -H -tln\nLISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n")[0]
 *   -> { format: linux-ss, rows: 1, detected: true, indent: "" }
 *
 * A format joins by being in the list: a name, a detect() and a parse(); nothing here changes.
 */

const HEAD_LINES = 200;
const HEAD_LINE_CHARS = 2048;
const HEAD_CHARS = 256 * 1024;
const WINDOWS = 8;

export interface Ranked {
  format: ReplayFormat;
  /** Records its parser read from the head. */
  rows: number;
  /** Lines of the head its parser could not read. */
  problems: number;
  detected: boolean;
  /** Indentation to take off every line before this format reads the capture ("" for none). */
  indent: string;
  /** How near the head is to this format when nothing reads (for "closest formats"). */
  likeness: number;
}

/** HEAD_LINES lines of a capture from char offset `from` (blank ones kept), each cut short, and where they end. */
function window(text: string, from: number): { text: string; end: number } {
  let end = from;
  for (let n = 0; n < HEAD_LINES && end < text.length && end - from < HEAD_CHARS; n++) {
    const nl = text.indexOf("\n", end);
    end = nl < 0 ? text.length : nl + 1;
  }
  end = Math.min(end, from + HEAD_CHARS);
  const lines = text.slice(from, end).split("\n");
  return { text: lines.map((l) => (l.length > HEAD_LINE_CHARS ? l.slice(0, HEAD_LINE_CHARS) : l)).join("\n"), end };
}

/** The first HEAD_LINES lines of a capture (blank ones kept, so line numbers hold), each cut short. */
export function headOf(text: string): string {
  return window(text, 0).text;
}

/**
 * Ranks the formats on the head; when no format reads a row of it (a long banner or route table
 * first), on the next HEAD_LINES lines, and so on up to WINDOWS times, so the rows decide even
 * below a long preamble while a big capture is still judged on a bounded part of it.
 */
export function rankCapture(formats: readonly ReplayFormat[], text: string, cleanHead: string): Ranked[] {
  const first = rankFormats(formats, cleanHead);
  if ((first[0]?.rows ?? 0) > 0) return first;
  let from = window(text, 0).end;
  for (let k = 1; k < WINDOWS && from < text.length; k++) {
    const next = window(text, from);
    const ranked = rankFormats(formats, cleanCapture(next.text, next.text));
    if ((ranked[0]?.rows ?? 0) > 0) return ranked;
    from = next.end;
  }
  return first;
}

/**
 * Cleans what was pasted around a capture (prompts, fences, notices, quote markers): whole text
 * or head alike. Prompts and fences outside a quote go first, so they do not hide that every line
 * of the capture is quoted; then the quote markers, then what the quote itself held.
 */
export function cleanCapture(text: string, head = headOf(text), commands?: string[]): string {
  let out = blankEnds(text, commands);
  let lines = (out === text ? head : blankPasteNoise(head)).split("\n");
  // Quotes in quotes (a reply to a reply): one level at a time, a few at most.
  for (let depth = 0; depth < 4; depth++) {
    const unquoted = unquote(out, lines);
    if (unquoted === out) break;
    out = blankEnds(unquoted, commands);
    lines = blankPasteNoise(unquote(lines.join("\n"), lines)).split("\n");
  }
  return out;
}

/** How much of each end of a capture is searched for what was pasted around it. */
const EDGE_CHARS = 256 * 1024;

/**
 * Prompts, fences and notices blanked where a paste has them: before and after the rows. A big
 * capture's middle (a million rows) is left as it is, so cleaning costs the same at any size; a
 * prompt in the middle of one (two commands pasted one after the other) is an unreadable line.
 */
export function blankEnds(text: string, commands?: string[]): string {
  if (text.length <= 2 * EDGE_CHARS) return blankPasteNoise(text, commands);
  const headEnd = text.indexOf("\n", EDGE_CHARS) + 1 || text.length;
  const tailStart = text.lastIndexOf("\n", text.length - EDGE_CHARS) + 1;
  if (tailStart <= headEnd) return blankPasteNoise(text, commands);
  const head = text.slice(0, headEnd);
  const tail = text.slice(tailStart);
  const cleanHead = blankPasteNoise(head, commands);
  const cleanTail = blankPasteNoise(tail, commands);
  return cleanHead === head && cleanTail === tail ? text : cleanHead + text.slice(headEnd, tailStart) + cleanTail;
}

const nonBlank = (text: string) =>
  text
    .split("\n")
    .map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l))
    .filter((l) => l.trim() !== "");

/** Every format, best first, judged on the (already cleaned) head of a capture. */
export function rankFormats(formats: readonly ReplayFormat[], cleanHead: string): Ranked[] {
  const lines = nonBlank(cleanHead);
  const indent = commonIndent(lines);
  const variants = indent === "" ? [""] : ["", indent];
  const ranked: Ranked[] = [];
  for (const [order, format] of formats.entries()) {
    let best: Ranked | undefined;
    for (const cut of variants) {
      const text = dedent(cleanHead, cut);
      const shown = cut === "" ? lines : nonBlank(text);
      let rows = 0;
      let problems = 0;
      try {
        const parsed = format.parse(text, { source: "head" });
        rows = parsed.records.length;
        problems = parsed.problems.length;
      } catch {
        // A parser that cannot read the head at all reads no row of it.
      }
      const detected = shown.length > 0 && format.detect(shown.slice(0, 40));
      const likeness = (detected ? 1000 : 0) + (format.likeness ? shown.filter((l) => format.likeness!.test(l)).length : 0);
      const r: Ranked = { format, rows, problems, detected, indent: cut, likeness };
      if (!best || better(r, best)) best = r;
    }
    ranked.push(Object.assign(best!, { order }));
  }
  return ranked.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : (a as Ordered).order - (b as Ordered).order));
}

type Ordered = Ranked & { order: number };

function better(a: Ranked, b: Ranked): boolean {
  if (a.rows !== b.rows) return a.rows > b.rows;
  if (a.detected !== b.detected) return a.detected;
  if (a.problems !== b.problems) return a.problems < b.problems;
  return false;
}

/** The best format when it read a row or recognized the head; undefined when none did. */
export function chooseFormat(ranked: readonly Ranked[]): Ranked | undefined {
  const top = ranked[0];
  return top && (top.rows > 0 || top.detected) ? top : undefined;
}

/** The two or three formats nearest to a capture none reads, for the error message. */
export function closestFormats(ranked: readonly Ranked[]): string[] {
  return [...(ranked as Ordered[])]
    .sort((a, b) => b.likeness - a.likeness || a.order - b.order)
    .slice(0, 3)
    .map((r) => r.format.name);
}
