import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeCapture, looksBinary, readTextChunks, type TextChunk } from "../../src/lib/stream-input.js";
import { replayChunks } from "../../src/sources/replay-stream.js";
import { replayCapture } from "../../src/sources/replay.js";
import { mutated, runs } from "./harness.js";

/**
 * The streaming reader behind `--input`: however the bytes arrive (any split, even inside a
 * UTF-8 character) and however small the chunks, the chunks put together are the text that
 * reading the whole file gives, each chunk ends at a line end, and line numbers add up; and a
 * /proc dump replayed chunk by chunk gives the records and problems of replaying it whole.
 */

/** Bytes cut into pieces at random points. */
function pieces(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  return out;
}

async function* feed(parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

async function collect(parts: Uint8Array[], chunkChars: number): Promise<TextChunk[]> {
  const out: TextChunk[] = [];
  for await (const c of readTextChunks(feed(parts), { source: "t", chunkChars })) out.push(c);
  return out;
}

const textLine = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 20 }));
const text = fc.tuple(fc.array(textLine, { maxLength: 30 }), fc.constantFrom("\n", "\r\n"), fc.boolean()).map(([ls, eol, end]) => ls.join(eol) + (end ? eol : ""));

describe("readTextChunks", () => {
  it("chunks of UTF-8 text join to the whole text, end at line ends and count lines", async () => {
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat(), { maxLength: 6 }), fc.integer({ min: 1, max: 64 }), fc.boolean(), async (t, cuts, chunkChars, bom) => {
        const bytes = Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(t, "utf8")]);
        fc.pre(!looksBinary(bytes));
        const chunks = await collect(pieces(bytes, cuts), chunkChars);
        expect(chunks.map((c) => c.text).join("")).toBe(decodeCapture(bytes));
        let line = 1;
        chunks.forEach((c, i) => {
          expect(c.firstLine).toBe(line);
          if (i < chunks.length - 1) expect(c.text.endsWith("\n")).toBe(true);
          line += c.text.split("\n").length - 1;
        });
      }),
      runs(1500),
    );
  });

  it("UTF-16 with a byte order mark and Latin-1 bytes decode as reading the whole file does", async () => {
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat(), { maxLength: 6 }), fc.constantFrom("utf16le", "latin1"), async (t, cuts, encoding) => {
        const bytes =
          encoding === "utf16le"
            ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, "utf16le")])
            : Buffer.concat([Buffer.from("caf\xe9 ", "latin1"), Buffer.from(t.replace(/[^\x20-\x7e\n]/g, "?"), "latin1")]);
        const chunks = await collect(pieces(bytes, cuts), 16);
        expect(chunks.map((c) => c.text).join("")).toBe(decodeCapture(bytes));
      }),
      runs(800),
    );
  });
});

describe("replayChunks on /proc/net dumps", () => {
  const HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
  const UDP_HEADER = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops";
  const row = fc
    .tuple(fc.nat(9999), fc.integer({ min: 0, max: 0xffff }), fc.constantFrom("01", "0A", "06", "08"), fc.nat(1_000_000))
    .map(([sl, port, st, inode]) => `${String(sl).padStart(4)}: 0100007F:${port.toString(16).toUpperCase().padStart(4, "0")} 0100007F:1F90 ${st} 00000000:00000000 00:00000000 00000000  1000        0 ${inode} 1 0000000000000000 20 4 30 10 -1`);
  const udpRow = fc
    .tuple(fc.nat(9999), fc.integer({ min: 0, max: 0xffff }), fc.nat(1_000_000))
    .map(([sl, port, inode]) => `${String(sl).padStart(5)}: 0100007F:${port.toString(16).toUpperCase().padStart(4, "0")} 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 ${inode} 2 0000000000000000 0`);
  const dump = fc
    .tuple(fc.array(fc.oneof({ weight: 5, arbitrary: row }, mutated(row)), { minLength: 1, maxLength: 40 }), fc.array(udpRow, { maxLength: 10 }), fc.boolean())
    .map(([tcp, udp, end]) => [HEADER, ...tcp, ...(udp.length ? [UDP_HEADER, ...udp] : [])].join("\n") + (end ? "\n" : ""));

  it("chunk by chunk gives the records and problems of the whole dump", async () => {
    await fc.assert(
      fc.asyncProperty(dump, fc.integer({ min: 1, max: 400 }), async (d, chunkChars) => {
        const bytes = Buffer.from(d, "utf8");
        const whole = replayCapture(decodeCapture(bytes), { source: "dump" });
        const streamed = { records: [] as unknown[], problems: [] as unknown[] };
        for await (const batch of replayChunks(readTextChunks(feed([bytes]), { source: "dump", chunkChars }), { source: "dump" })) {
          streamed.records.push(...batch.records);
          streamed.problems.push(...batch.problems);
        }
        expect(streamed.records).toEqual(whole.records);
        expect(streamed.problems).toEqual(whole.problems);
      }),
      runs(600),
    );
  });
});
