/**
 * Text from the system (process names, user names, input files) shown with control
 * characters escaped, so a process named "\x1b[2J" cannot clear or repaint the terminal.
 *
 *   escapeControl("evil\x1b[2J") -> "evil\\x1b[2J"
 */
// C0, DEL, C1 and the Unicode line and paragraph separators and bidi overrides.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

const HAS_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** escapeControl, but the same string back (no copy) when there is nothing to escape: for hot paths. */
export const safeText = (text: string): string => (HAS_CONTROL.test(text) ? escapeControl(text) : text);

// What JSON.stringify leaves raw but a terminal or a bidi-aware viewer acts on: DEL, C1, the
// line and paragraph separators, bidi embeddings, overrides and isolates.
const JSON_RAW = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text with those characters written as \u escapes (the same value to a JSON parser).
 * They can only be inside strings, so the whole text is safe to go over:
 *
 *   jsonEscapeControls(JSON.stringify("a\u202eb")) -> "\"a\\u202eb\""
 */
export const jsonEscapeControls = (json: string): string => json.replace(JSON_RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/** JSON.stringify with jsonEscapeControls: every JSON output of tcpstat. */
export const toJson = (value: unknown, space?: number): string => jsonEscapeControls(JSON.stringify(value, null, space));
