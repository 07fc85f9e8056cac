import { parseFilterText } from "./filter-text.js";
import { moveSelection, selectedIndex } from "./shown.js";
import { GROUPINGS, type ColumnId, type TopRow, type TopView } from "./view.js";

/**
 * Keys: the bytes a terminal sends, named (decodeKeys), and what each does to the view
 * (pressKey). pressKey changes only the view; what touches the machine or reads more comes
 * back as an Effect for the session to carry out.
 */

export type Key = string;

/** What the session does after a key. */
export type Effect =
  | { kind: "quit" }
  | { kind: "interrupt" }
  | { kind: "close"; row: TopRow }
  | { kind: "signal"; pid: number; signal: "SIGTERM" | "SIGKILL" }
  | { kind: "holders"; then: Key }
  | { kind: "details"; row: TopRow }
  | { kind: "resolve" }
  | { kind: "pause" }
  | null;

const SEQUENCES: Readonly<Record<string, Key>> = {
  "\x1b[A": "up", "\x1bOA": "up", "\x1b[B": "down", "\x1bOB": "down",
  "\x1b[5~": "pageup", "\x1b[6~": "pagedown",
  "\x1b[H": "home", "\x1b[1~": "home", "\x1bOH": "home", "\x1b[F": "end", "\x1b[4~": "end", "\x1bOF": "end",
  "\x1b[C": "right", "\x1b[D": "left",
};

/**
 * Splits what arrived into keys: escape sequences (arrows, pages), Enter, Esc, Backspace,
 * Ctrl-C, and characters. "\x1b[A\x1b[Bq" -> ["up", "down", "q"].
 */
export function decodeKeys(data: string): Key[] {
  const keys: Key[] = [];
  for (let i = 0; i < data.length; ) {
    if (data[i] === "\x1b") {
      const seq = /^\x1b(\[[0-9;]*[A-Za-z~]|O[A-Za-z])/.exec(data.slice(i));
      if (seq) {
        keys.push(SEQUENCES[seq[0]] ?? "unknown");
        i += seq[0].length;
        continue;
      }
      keys.push("escape");
      i++;
      continue;
    }
    const ch = String.fromCodePoint(data.codePointAt(i)!);
    i += ch.length;
    if (ch === "\r" || ch === "\n") keys.push("enter");
    else if (ch === "\x7f" || ch === "\b") keys.push("backspace");
    else if (ch === "\x03") keys.push("ctrl-c");
    else if (ch === "\x0c") keys.push("ctrl-l");
    else if (ch >= " ") keys.push(ch);
  }
  return keys;
}

export interface KeyContext {
  /** The rows listed now (computed when a key needs them: typing a filter does not). */
  shown: () => readonly TopRow[];
  /** Columns on screen now, left to right (1-9 pick among them). */
  columns: readonly ColumnId[];
  /** Every column the table has (< and > walk them). */
  allColumns: readonly ColumnId[];
  pageRows: number;
}

export function pressKey(view: TopView, key: Key, ctx: KeyContext): Effect {
  if (key === "ctrl-c") return { kind: "interrupt" };
  const panel = view.panel;
  view.message = null;
  // A question waits for y or n; anything else but y cancels it.
  if (panel.kind === "close" || panel.kind === "kill") {
    view.panel = { kind: "none" };
    if (key !== "y" && key !== "Y") {
      view.message = panel.kind === "close" ? "not closed" : "no signal sent";
      return null;
    }
    return panel.kind === "close" ? { kind: "close", row: panel.row } : { kind: "signal", pid: panel.pid, signal: panel.signal };
  }
  if (view.filter.typing) return typeFilter(view, key);
  if (panel.kind === "help" && (key === "escape" || key === "?")) return void (view.panel = { kind: "none" }), null;
  if (panel.kind === "details") {
    if (key === "escape" || key === "enter") view.panel = { kind: "none" };
    else if (key === "up") panel.offset = Math.max(0, panel.offset - 1);
    else if (key === "down") panel.offset++;
    else if (key === "pageup") panel.offset = Math.max(0, panel.offset - ctx.pageRows);
    else if (key === "pagedown") panel.offset += ctx.pageRows;
    else if (key === "q") return { kind: "quit" };
    return null;
  }
  const listed = key === "enter" || key === "c" || key === "k" ? ctx.shown() : [];
  const selected = listed[selectedIndex(view, listed)];
  switch (key) {
    case "q":
    case "Q":
      return { kind: "quit" };
    case "?":
      view.panel = view.panel.kind === "help" ? { kind: "none" } : { kind: "help" };
      return null;
    case "escape":
      // Back one step: out of a grouping, else the filter cleared.
      if (view.group !== null) view.group = null;
      else Object.assign(view.filter, { text: "", typing: false, error: null, match: null });
      return null;
    case "up":
      return move(view, ctx, -1);
    case "down":
      return move(view, ctx, 1);
    case "pageup":
      return move(view, ctx, -ctx.pageRows);
    case "pagedown":
      return move(view, ctx, ctx.pageRows);
    case "home":
      return move(view, ctx, "first");
    case "end":
      return move(view, ctx, "last");
    case "/":
      view.filter.typing = true;
      return null;
    case "i":
    case "I":
      view.sort.reverse = !view.sort.reverse;
      return null;
    case "<":
    case ">":
    case "left":
    case "right": {
      const at = ctx.allColumns.indexOf(view.sort.column);
      const step = key === "<" || key === "left" ? -1 : 1;
      view.sort = { column: ctx.allColumns[(at + step + ctx.allColumns.length) % ctx.allColumns.length]!, reverse: false };
      return null;
    }
    case "g":
      view.group = view.group === null ? GROUPINGS[0]! : (GROUPINGS[GROUPINGS.indexOf(view.group) + 1] ?? null);
      view.top = 0;
      return null;
    case "p":
    case " ":
      return { kind: "pause" };
    case "r":
      return { kind: "resolve" };
    case "enter":
      if (view.group !== null || !selected) return null;
      view.panel = { kind: "details", key: selected.key, row: selected, details: null, offset: 0 };
      return { kind: "details", row: selected };
    case "c":
      if (!selected) return null;
      if (selected.mark === "gone") return void (view.message = "that connection is already gone"), null;
      if (selected.record.proto !== "tcp" || selected.record.state === "LISTEN" || selected.record.remotePort === null)
        return void (view.message = "only a TCP connection can be closed (not a listener, not UDP); k signals its process"), null;
      view.panel = { kind: "close", row: selected };
      return null;
    case "k":
      if (!selected) return null;
      // Newer than the last holder scan: the session scans now and asks again (the same key).
      if (selected.holdersPending) return void (view.message = "reading this socket's holders..."), { kind: "holders", then: key };
      if (selected.record.pid === null) return void (view.message = "no process is known to hold this socket"), null;
      view.panel = { kind: "kill", pid: selected.record.pid, name: selected.record.process ?? "?", signal: "SIGTERM" };
      return null;
  }
  if (/^[1-9]$/.test(key)) {
    const column = ctx.columns[Number(key) - 1];
    if (column === undefined) return null;
    view.sort = column === view.sort.column ? { column, reverse: !view.sort.reverse } : { column, reverse: false };
  }
  return null;
}

function move(view: TopView, ctx: KeyContext, to: number | "first" | "last"): Effect {
  if (view.group !== null) {
    view.top = Math.max(0, to === "first" ? 0 : to === "last" ? Number.MAX_SAFE_INTEGER : view.top + to);
    return null;
  }
  moveSelection(view, ctx.shown(), to, ctx.pageRows);
  return null;
}

/** Typing a filter: each key narrows the table at once; a bad filter says why and keeps the last good one. */
function typeFilter(view: TopView, key: Key): Effect {
  const f = view.filter;
  if (key === "enter") f.typing = false;
  else if (key === "escape") Object.assign(f, { text: "", typing: false, error: null, match: null });
  else if (key === "backspace") f.text = f.text.slice(0, -1);
  else if ([...key].length === 1) f.text += key;
  else return null;
  if (key === "escape") return null;
  if (f.text.trim() === "") Object.assign(f, { error: null, match: null });
  else {
    const parsed = parseFilterText(f.text);
    if ("error" in parsed) f.error = parsed.error;
    else Object.assign(f, { error: null, match: parsed.match });
  }
  view.top = 0;
  return null;
}
