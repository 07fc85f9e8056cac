import fc from "fast-check";
import stringWidth from "string-width";
import { describe, expect, it } from "vitest";
import { widthInPieces } from "../../src/format/columns.js";
import { runs } from "../property/harness.js";

/**
 * Long names are measured in pieces cut between two printable ASCII characters
 * (widthInPieces): the sum must be string-width's answer for the whole text, whatever
 * graphemes sit next to the cuts (combining marks after a letter, keycaps after a digit,
 * emoji sequences, wide characters, escape codes).
 */
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("x", "a", "1", " ", "#", "*", "~") },
  fc.constantFrom(
    "\u0301", // combining acute: one grapheme with the letter before it
    "\u20e3", // combining keycap: 1\u20e3
    "\ufe0f", // variation selector 16
    "\u200d", // zero-width joiner
    "日",
    "語",
    "\u{1f468}\u200d\u{1f469}\u200d\u{1f467}", // a family, one grapheme
    "\u{1f1eb}\u{1f1f7}", // a flag
    "\u{1f44d}\u{1f3fd}", // a thumb with a skin tone
    "\u001b[31m", // an escape code
    "\u009b1m",
    "\r\n",
    "\t",
    "é",
    "\u0600", // a prepended mark: one grapheme with what follows it
  ),
);
const text = fc.array(unit, { maxLength: 300 }).map((parts) => parts.join(""));

describe("text width in pieces", () => {
  it("is string-width's width of the whole text", () => {
    fc.assert(
      // Small pieces (as few as one character), so that cuts fall everywhere they may.
      fc.property(text, fc.integer({ min: 1, max: 300 }), (t, piece) => {
        expect(widthInPieces(t, stringWidth, piece)).toBe(stringWidth(t));
      }),
      runs(400),
    );
  });

  it("measures a 70,000-character name with a combining mark like the whole", () => {
    const name = `${"x".repeat(70_000)}\u0301`;
    expect(widthInPieces(name, stringWidth)).toBe(70_000);
  });
});
