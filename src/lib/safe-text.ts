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
