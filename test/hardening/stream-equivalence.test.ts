import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeCapture, readTextChunks } from "../../src/lib/stream-input.js";
import { replayChunks } from "../../src/sources/replay-stream.js";
import { replayCapture } from "../../src/sources/replay.js";

/**
 * `--ndjson --input` and `summary --input` read captures through the streaming reader; the
 * other outputs read them whole. Both must give the same sockets and problems for every
 * capture we have: the repo's fixtures and, when present, ../shared/fixtures-real (read in
 * place). Small chunks force /proc dumps through many chunk boundaries.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SHARED = join(ROOT, "..", "shared", "fixtures-real");

function captures(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return captures(path);
    return /\.(txt|bin|out)$/.test(e.name) && !/README|PROVENANCE/.test(e.name) ? [path] : [];
  });
}

const files = [...captures(join(ROOT, "fixtures")), ...captures(SHARED)];
if (!existsSync(SHARED)) console.warn(`stream-equivalence: ${SHARED} is absent; checking the repo's fixtures only`);

async function* bytesOf(b: Buffer, piece: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += piece) yield b.subarray(i, i + piece);
}

async function streamed(bytes: Buffer, source: string) {
  const out = { records: [] as unknown[], problems: [] as unknown[], format: "" };
  for await (const batch of replayChunks(readTextChunks(bytesOf(bytes, 777), { source, chunkChars: 2048 }), { source })) {
    out.records.push(...batch.records);
    out.problems.push(...batch.problems);
    out.format = batch.format;
  }
  return out;
}

function whole(bytes: Buffer, source: string) {
  const r = replayCapture(decodeCapture(bytes), { source });
  return { records: r.records, problems: r.problems, format: r.format };
}

describe("streamed --input equals whole --input", () => {
  it("has captures to compare", () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files.map((f) => [relative(join(ROOT, ".."), f), f]))("%s", async (_, file) => {
    const bytes = readFileSync(file);
    let expected: ReturnType<typeof whole> | Error;
    try {
      expected = whole(bytes, "capture");
    } catch (error) {
      expected = error as Error;
    }
    if (expected instanceof Error) {
      // A capture no format recognizes (e.g. tasklist alone) is refused the same way.
      await expect(streamed(bytes, "capture")).rejects.toThrow(expected.message);
      return;
    }
    expect(await streamed(bytes, "capture")).toEqual(expected);
  });
});
