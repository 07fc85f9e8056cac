/**
 * The process list of `ss -p`, read by its structure rather than by a pattern:
 *
 *   users:(("nginx",pid=2502,fd=6),("nginx",pid=2503,fd=6))  ->  nginx 2502 fd 6, nginx 2503 fd 6
 *
 * ss prints each name (the process's comm, at most 15 bytes) between quotes as it is, with no
 * escaping: a name may hold a quote, `),(`, ` ino:7`, even a newline (the row then goes on
 * on the next line). So a name ends at the first `",pid=N,fd=N)` after which the list goes
 * on as a list must (`,(` or `)`), tried from the shortest name up; nothing inside a name is
 * ever taken for a field of the row.
 */

export interface SsUser {
  name: string;
  pid: number;
  fd: number;
}

/** comm is TASK_COMM_LEN (16) bytes with its NUL: a longer name is not one. */
const MAX_NAME_BYTES = 15;
const OPEN = "users:((";
const ENTRY_END = /^",pid=(\d+),fd=(\d+)\)/;

export type SsUsersRead =
  /** The holders, and where the list ends in the text (after its "))"). */
  | { users: SsUser[]; start: number; end: number }
  /** The text ends inside a name: the row goes on on the next line. */
  | "incomplete"
  /** No list, or one that cannot be read. */
  | null;

/** Reads the `users:((...))` list in `text` (a row of ss output), if any. */
export function readSsUsers(text: string): SsUsersRead {
  const start = text.indexOf(OPEN);
  if (start < 0) return null;
  const read = readEntries(text, start + OPEN.length - 1);
  if (read === "incomplete") return read;
  return read === null ? null : { users: read.users, start, end: read.end };
}

/** Entries from `at` (on the "(" before a name's quote): each `("NAME",pid=N,fd=N)`, joined by ",", closed by ")". */
function readEntries(text: string, at: number): { users: SsUser[]; end: number } | "incomplete" | null {
  if (text[at] !== "(" || (at + 1 < text.length && text[at + 1] !== '"')) return null;
  if (at + 1 >= text.length) return "incomplete";
  const nameStart = at + 2;
  let incomplete = false;
  // Every place the name could end, shortest first; the first that lets the rest read wins.
  for (let q = nameStart; q <= text.length; q++) {
    if (Buffer.byteLength(text.slice(nameStart, q)) > MAX_NAME_BYTES) break;
    if (q === text.length) {
      incomplete = true;
      break;
    }
    if (text[q] !== '"') continue;
    const m = ENTRY_END.exec(text.slice(q, q + 40));
    if (!m) continue;
    const user: SsUser = { name: text.slice(nameStart, q), pid: Number(m[1]), fd: Number(m[2]) };
    const after = q + m[0].length;
    if (text[after] === ")" && (after + 1 === text.length || /\s/.test(text[after + 1]!))) return { users: [user], end: after + 1 };
    if (text[after] === ",") {
      const rest = readEntries(text, after + 1);
      if (rest === "incomplete") incomplete = true;
      else if (rest !== null) return { users: [user, ...rest.users], end: rest.end };
    }
    if (after >= text.length) incomplete = true;
  }
  return incomplete ? "incomplete" : null;
}
