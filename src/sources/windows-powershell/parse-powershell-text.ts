import type { ParseResult } from "../../model/socket.js";
import { addSocket, gapNotices, isTcpView, type Gaps } from "./powershell-fields.js";

/**
 * Get-NetTCPConnection / Get-NetUDPEndpoint as PowerShell prints them on a console: the default
 * table, a Select-Object subset of its columns, or Format-List blocks.
 *
 *   LocalAddress   LocalPort RemoteAddress  RemotePort State       AppliedSetting OwningPr   <- header,
 *                                                                                ocess      <- wrapped
 *   ------------   --------- -------------  ---------- -----       -------------- --------   <- ruler
 *   0.0.0.0        135       0.0.0.0        0          Listen                     1012
 *   -> tcp ipv4 0.0.0.0:135 LISTEN pid 1012
 *
 *   LocalAddress  : ::1          (Format-List: one block per socket, blank lines between)
 *   LocalPort     : 5432
 *   ...
 *
 * Table cells are found under the ruler's dashes, so empty cells (AppliedSetting, a UDP row's
 * peer) stay empty and right-aligned numbers (Select-Object output) read as well as left-aligned
 * ones. A header the console wrapped is joined column by column (`OwningPr` + `ocess`). Leading
 * indentation, CRLF and colour escape codes are ignored; a table ends at a blank line.
 */

const RULER = /^\s*-+(?:\s+-+)*\s*$/;
const LIST_LINE = /^\s*([A-Za-z][\w ]*?)\s*:\s?(.*)$/;
/** A header line: property names only (a prompt or a banner is not one). */
const HEADER_LINE = /^\s*[A-Za-z][\w .…]*$/;
/** Where a table stops without a blank line: a prompt, a markdown fence. */
const PROMPT = /^\s*(PS\b[^>]*>|```|~~~)/;
// Colour and cursor escape codes (PowerShell 7 colours headers on a terminal).
// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]/g;

const keyOf = (name: string): string => name.replace(/\s+/g, "").toLowerCase();

/** The properties of Get-NetTCPConnection / Get-NetUDPEndpoint a header may name. */
const PROPERTIES = ["localaddress", "localport", "remoteaddress", "remoteport", "state", "appliedsetting", "owningprocess", "creationtime", "offloadstate"];

/** A header label the console cut (`OwningProc…`, `RemotePo...`) names the one property it starts. */
function headerKey(name: string): string {
  const key = keyOf(name);
  const cut = /(\.\.\.|…)$/.exec(key);
  if (!cut) return key;
  const prefix = key.slice(0, cut.index);
  const matches = PROPERTIES.filter((p) => p.startsWith(prefix));
  return matches.length === 1 ? (matches[0] as string) : key;
}

interface Column {
  start: number;
  end: number;
  key: string;
}

const isSocketView = (columns: readonly Column[]): boolean =>
  columns.some((c) => c.key === "localaddress") && columns.some((c) => c.key === "localport");

/** Columns under a ruler, named from the header lines above it (top to bottom). */
function readColumns(ruler: string, header: readonly string[]): Column[] {
  const spans = [...ruler.matchAll(/-+/g)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
  return spans.map((s, i) => {
    // A header cell may run to the next column (a long name over a narrow right-aligned column).
    const to = spans[i + 1]?.start ?? Infinity;
    const name = header.map((h) => h.slice(s.start, to).trim()).join("");
    return { start: s.start, end: s.end, key: headerKey(name) };
  });
}

/** The cells of a row by the columns' positions, or null when a word straddles two columns. */
function readCells(line: string, columns: readonly Column[]): string[] | null {
  const cells = columns.map(() => "");
  for (const m of line.matchAll(/\S+/g)) {
    const from = m.index;
    const to = from + m[0].length;
    let at = columns.findIndex((c, i) => from >= c.start && to <= Math.max(c.end, (columns[i + 1]?.start ?? Infinity) - 1));
    if (at < 0) at = columns.findIndex((c) => from < c.end && to > c.start);
    if (at < 0 || to > (columns[at + 1]?.start ?? Infinity)) return null;
    cells[at] = cells[at] === "" ? m[0] : `${cells[at]} ${m[0]}`;
  }
  return cells;
}

export function parsePowershellText(text: string, source = "powershell"): ParseResult & { notices: string[] } {
  const out: ParseResult = { records: [], problems: [] };
  const gaps: Gaps = new Map();
  const lines = text.replace(/^\uFEFF/, "").replace(ESCAPES, "").split(/\r\n|\n|\r/);
  const at = (i: number) => ({ source, line: i + 1, text: (lines[i] as string).slice(0, 200) });
  let i = 0;
  let sawView = false;
  while (i < lines.length) {
    const line = lines[i] as string;
    // A table: header line(s), the ruler, rows up to a blank line.
    if (RULER.test(line) && line.includes("-")) {
      const above: string[] = [];
      for (let h = i - 1; h >= 0 && above.length < 3 && HEADER_LINE.test(lines[h] as string) && !PROMPT.test(lines[h] as string); h--) above.unshift(lines[h] as string);
      // The fewest lines above the ruler that name both columns: one, or more for a wrapped header
      // (a sentence written right above the table is not part of it).
      let columns: Column[] = [];
      for (let k = 1; k <= above.length; k++) {
        columns = readColumns(line, above.slice(above.length - k));
        if (isSocketView(columns)) break;
      }
      const keys = columns.map((c) => c.key);
      i++;
      if (!isSocketView(columns)) continue; // another cmdlet's table
      sawView = true;
      const tcp = isTcpView(keys);
      const rows: Array<{ cells: string[]; line: number }> = [];
      for (; i < lines.length && (lines[i] as string).trim() !== "" && !PROMPT.test(lines[i] as string); i++) {
        const tokens = (lines[i] as string).trim().split(/\s+/);
        // Positions first; a paste whose spaces were collapsed still has one word per column.
        // (Only a calculated column such as a process name holds spaces.)
        const placed = readCells(lines[i] as string, columns);
        const oneEach = tokens.length === columns.length;
        const cells = placed && !(oneEach && placed.some((c) => c.includes(" "))) ? placed : oneEach ? tokens : null;
        if (!cells) {
          out.problems.push({ ...at(i), reason: "a value does not fit the table's columns" });
          continue;
        }
        // Format-Table -Wrap continues a value that filled its column on the next line, the other cells blank.
        const prev = rows[rows.length - 1];
        const filled = (k: number) => (prev?.cells[k] ?? "").length >= (columns[k] as Column).end - (columns[k] as Column).start;
        const noPort = cells[keys.indexOf("localport")] === "";
        if (prev && noPort && cells.every((c, k) => c === "" || filled(k))) {
          cells.forEach((c, k) => {
            if (c !== "") prev.cells[k] = `${prev.cells[k] ?? ""}${c}`;
          });
          continue;
        }
        // No port and no address: text after the table (a shell prompt), not a row.
        if (noPort && !/^[\d.:a-fA-F%]+(\.\.\.|…)?$/.test(cells[keys.indexOf("localaddress")] ?? "")) break;
        rows.push({ cells, line: i });
      }
      for (const row of rows) addSocket(new Map(columns.map((c, k) => [c.key, row.cells[k] as string])), tcp, out, at(row.line), gaps);
      continue;
    }
    // A Format-List block: `Name : value` lines up to a blank line.
    if (LIST_LINE.test(line) && keyOf(LIST_LINE.exec(line)![1] as string) === "localaddress") {
      const start = i;
      while (i > 0 && LIST_LINE.test(lines[i - 1] as string) && !PROMPT.test(lines[i - 1] as string) && i > start - 40) i--;
      const fields = new Map<string, string>();
      for (; i < lines.length && (lines[i] as string).trim() !== ""; i++) {
        const m = LIST_LINE.exec(lines[i] as string);
        if (m) fields.set(keyOf(m[1] as string), (m[2] as string).trim()); // else: a long value's continuation
      }
      if (fields.has("localport")) {
        sawView = true;
        addSocket(fields, isTcpView(fields.keys()), out, at(start), gaps);
      }
      continue;
    }
    i++;
  }
  if (!sawView) {
    const first = lines.findIndex((l) => l.trim() !== "");
    if (first >= 0) out.problems.push({ ...at(first), reason: "no Get-NetTCPConnection or Get-NetUDPEndpoint table or list (no LocalAddress and LocalPort columns)" });
  }
  return { ...out, notices: gapNotices(gaps) };
}
