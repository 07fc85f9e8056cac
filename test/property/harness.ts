import fc from "fast-check";
import { expect } from "vitest";
import { SocketRecordSchema, type ParseResult } from "../../src/model/socket.js";

/**
 * Shared pieces of the property suite: one seed for every run (FC_SEED overrides it, and
 * fast-check prints the seed and the shrunk counterexample when a property fails), a
 * multiplier for the number of cases (FC_RUNS_SCALE=10 for a long soak), hostile mutations
 * of a valid line, and the invariants every parser must keep.
 */

const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 20261121;
const SCALE = process.env.FC_RUNS_SCALE ? Number(process.env.FC_RUNS_SCALE) : 1;

/** Parameters for fc.assert: the fixed seed and `numRuns` cases (scaled). */
export function runs(numRuns: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)), endOnFailure: true };
}

/** Characters a hostile or broken input carries: controls, NUL, CR, non-hex, wide and broken Unicode. */
export const HOSTILE_CHARS = [
  "\0", "\x1b", "\r", "\n", "\t", "\x7f", "\x9b", "\u2028", "\u202e", "\ufeff", "\ufffd", "\ud800", "\udfff",
  "\u{1f600}", "é", "\xff", "g", "G", "Z", "z", "-", "+", ".", ":", " ", "x", "0x", "%", "\\", "\"", "[", "]", "*",
];

/** Number-like tokens that overflow or do not fit: huge decimal and hex, negatives, floats, NaN text. */
const HOSTILE_NUMBERS = [
  "99999999999999999999999", "18446744073709551616", "FFFFFFFFFFFFFFFFFFFF", "ffffffffffffffff", "9007199254740993",
  "-1", "-0", "1e400", "1.5", "0x10", "NaN", "Infinity", "", "00000000000000000000000000000000000001",
];

type Mutation = (line: string, pick: (n: number) => number) => string;

const tokens = (line: string) => line.split(/([ \t]+)/);

const MUTATIONS: Mutation[] = [
  // truncated anywhere
  (l, pick) => l.slice(0, pick(l.length + 1)),
  // a column missing
  (l, pick) => {
    const t = tokens(l);
    const words = t.map((w, i) => (i % 2 === 0 ? i : -1)).filter((i) => i >= 0);
    t.splice(words[pick(words.length)] ?? 0, 2);
    return t.join("");
  },
  // an extra column
  (l, pick) => {
    const t = tokens(l);
    t.splice(pick(t.length + 1), 0, ` ${HOSTILE_NUMBERS[pick(HOSTILE_NUMBERS.length)]}x `);
    return t.join("");
  },
  // a column duplicated
  (l, pick) => {
    const t = tokens(l);
    const i = pick(t.length);
    t.splice(i, 0, `${t[i] ?? ""} `);
    return t.join("");
  },
  // one character replaced by a hostile one
  (l, pick) => {
    const i = pick(l.length + 1);
    return l.slice(0, i) + HOSTILE_CHARS[pick(HOSTILE_CHARS.length)] + l.slice(i + 1);
  },
  // one character inserted
  (l, pick) => {
    const i = pick(l.length + 1);
    return l.slice(0, i) + HOSTILE_CHARS[pick(HOSTILE_CHARS.length)] + l.slice(i);
  },
  // a column replaced by a huge or malformed number
  (l, pick) => {
    const t = tokens(l);
    const words = t.map((w, i) => (i % 2 === 0 ? i : -1)).filter((i) => i >= 0);
    t[words[pick(words.length)] ?? 0] = HOSTILE_NUMBERS[pick(HOSTILE_NUMBERS.length)]!;
    return t.join("");
  },
  // the digits of a column made huge while keeping its shape (e.g. hex of 24 digits)
  (l, pick) => l.replace(/[0-9A-Fa-f]{4,}/, (m) => m.repeat(2 + pick(4))),
  // CRLF line end, or a stray CR in the middle
  (l) => `${l}\r`,
  // tabs instead of spaces
  (l) => l.replace(/ +/g, "\t"),
  // the line read in another encoding: UTF-8 bytes seen as Latin-1
  (l) => Buffer.from(l, "utf8").toString("latin1"),
  (l) => Buffer.from(l, "latin1").toString("utf8"),
  // upper/lower case flipped
  (l) => (l === l.toUpperCase() ? l.toLowerCase() : l.toUpperCase()),
];

/** A valid line hit by one to three random mutations. */
export function mutated(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(valid, fc.array(fc.tuple(fc.nat(MUTATIONS.length - 1), fc.array(fc.nat(), { minLength: 4, maxLength: 4 })), { minLength: 1, maxLength: 3 }))
    .map(([line, steps]) => {
      let out = line;
      for (const [m, draws] of steps) {
        let k = 0;
        const pick = (n: number) => (n <= 0 ? 0 : draws[k++ % draws.length]! % n);
        out = MUTATIONS[m]!(out, pick);
      }
      return out;
    });
}

/** Any text at all: printable, full Unicode, or raw bytes read as Latin-1. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "grapheme", maxLength: 80 }),
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString("latin1")),
);

/** A whole input: several lines (valid, mutated or random) joined by LF or CRLF. */
export function document(line: fc.Arbitrary<string>, header = ""): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(line, { maxLength: 12 }), fc.constantFrom("\n", "\r\n"), fc.boolean(), fc.boolean())
    .map(([lines, eol, withHeader, trailing]) => (withHeader && header ? [header, ...lines] : lines).join(eol) + (trailing ? eol : ""));
}

/** What every parser result must be: schema-valid records, located problems with a reason. */
export function expectSound(result: ParseResult, text: string, lineNumbers: "lines" | "entries" = "lines"): void {
  // Parsers may count CR alone as a line end (Windows captures mangled by copying), and lsof -F0
  // ends fields with NUL.
  const lineCount = lineNumbers === "lines" ? text.split(/\r\n|\n|\r|\0/).length : Number.MAX_SAFE_INTEGER;
  for (const record of result.records) {
    const checked = SocketRecordSchema.safeParse(record);
    if (!checked.success) throw new Error(`invalid record ${JSON.stringify(record)}: ${checked.error.message}`);
  }
  for (const p of result.problems) {
    expect(typeof p.text).toBe("string");
    expect(p.reason.length).toBeGreaterThan(0);
    expect(Number.isInteger(p.line)).toBe(true);
    expect(p.line).toBeGreaterThanOrEqual(0);
    expect(p.line).toBeLessThanOrEqual(lineCount);
  }
}
