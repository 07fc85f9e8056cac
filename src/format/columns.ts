/**
 * Rows aligned in columns, borderless, two spaces between columns, every cell padded to its
 * column's width (the last one too), as the summary's tables look:
 *
 *   State        Count
 *   ESTABLISHED      4
 *   LISTEN          12
 *
 * Cells are plain text with an optional paint (colour); widths are measured on the plain
 * text, so colour codes never count. Drawn by hand: loading and running a table library
 * cost `tcpstat summary` time at 100k sockets (BENCHMARKS.md, issue 15);
 * test/format/columns.test.ts holds the output equal to what cli-table3 drew.
 */
export interface Cell {
  text: string;
  paint?: (text: string) => string;
}

export type Align = "left" | "right";

/** Columns on screen of a text; its length for plain ASCII (see widthOf). */
export type Width = (text: string) => number;

const PLAIN = /^[\x20-\x7e]*$/;

/**
 * A Width for the texts of `items` that `texts` pick (names from the system): their length
 * when all are plain ASCII, else string-width for those that are not, loaded only then (its
 * Unicode tables cost a start-up). An indexed loop, no generator: it runs over every socket.
 */
export async function widthOf<T>(items: readonly T[], ...texts: Array<(item: T) => string | null | undefined>): Promise<Width> {
  let plain = true;
  scan: for (let i = 0; i < items.length; i++) {
    for (let k = 0; k < texts.length; k++) {
      const text = texts[k]!(items[i]!);
      if (text && !PLAIN.test(text)) {
        plain = false;
        break scan;
      }
    }
  }
  if (plain) return (text) => text.length;
  const { default: stringWidth } = await import("string-width");
  return (text) => (PLAIN.test(text) ? text.length : widthInPieces(text, stringWidth));
}

/** Characters of a piece measured at once by widthInPieces (at least). */
const PIECE = 256;
const printable = (code: number) => code >= 0x20 && code <= 0x7e;

/**
 * string-width's answer, measured in pieces cut between two printable ASCII characters: no
 * grapheme spans such a cut, so the widths add up. string-width walks Intl.Segmenter, whose
 * time grows with the square of the text's length (a hostile process name in a replayed
 * capture: BENCHMARKS.md, issue 15); pieces keep it linear. A text holding an escape code
 * is measured whole, as a cut could fall inside the code.
 */
export function widthInPieces(text: string, stringWidth: (text: string) => number, piece = PIECE): number {
  if (text.length <= piece || /[\u001b\u009b]/.test(text)) return stringWidth(text);
  let width = 0;
  for (let from = 0; from < text.length; ) {
    let to = Math.min(from + piece, text.length);
    while (to < text.length && !(printable(text.charCodeAt(to - 1)) && printable(text.charCodeAt(to)))) to++;
    const part = text.slice(from, to);
    width += PLAIN.test(part) ? part.length : stringWidth(part);
    from = to;
  }
  return width;
}

export function alignColumns(rows: ReadonlyArray<ReadonlyArray<Cell | string>>, align: readonly Align[], width: Width = (t) => t.length): string {
  const cells = rows.map((row) => row.map((c) => (typeof c === "string" ? { text: c } : c)));
  const widths: number[] = [];
  // At least one column wide, even when every cell is empty, as cli-table3 draws them.
  for (const row of cells) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 1, width(c.text))));
  return cells
    .map((row) =>
      widths
        .map((w, i) => {
          const c = row[i] ?? { text: "" };
          const pad = " ".repeat(w - width(c.text));
          const shown = c.paint ? c.paint(c.text) : c.text;
          return align[i] === "right" ? pad + shown : shown + pad;
        })
        .join("  ")
        // A left-aligned last column pads nothing after it: no line ends in spaces.
        .trimEnd(),
    )
    .join("\n");
}
