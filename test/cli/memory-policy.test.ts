import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KEEP_YOUNG_SMALL_FROM, mayReadMany } from "../../src/start.js";

/**
 * src/start.ts keeps V8's young generation small (RSS at 100k sockets, a million replayed
 * rows: test/hardening/big-input.test.ts) for the runs that may read many sockets, decided
 * before the CLI is compiled: from the command line and /proc/net/sockstat, here a fixture tree.
 */
const roots: string[] = [];

/** A proc tree whose sockstat files count `tcp` TCP sockets (in use + TIME_WAIT), as the kernel prints them. */
function procWith(tcp: number): string {
  const root = mkdtempSync(join(tmpdir(), "tcpstat-sockstat-"));
  roots.push(root);
  mkdirSync(join(root, "net"));
  const v4 = tcp - 3;
  writeFileSync(join(root, "net/sockstat"), `sockets: used 40\nTCP: inuse ${v4 - 2} orphan 0 tw 2 alloc ${v4} mem 1\nUDP: inuse 2 mem 0\n`);
  writeFileSync(join(root, "net/sockstat6"), "TCP6: inuse 3\nUDP6: inuse 1\n");
  return root;
}

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe("which runs keep the young generation small", () => {
  it(`those on a Linux namespace with ${KEEP_YOUNG_SMALL_FROM} TCP sockets or more`, () => {
    expect(mayReadMany(["-t"], "linux", procWith(KEEP_YOUNG_SMALL_FROM))).toBe(true);
    expect(mayReadMany(["-t"], "linux", procWith(KEEP_YOUNG_SMALL_FROM - 1))).toBe(false);
    expect(mayReadMany(["summary"], "linux", procWith(100_000))).toBe(true);
  });

  it("replays and other namespaces, whose size is not known before, on any system", () => {
    const few = procWith(10);
    for (const args of [["--input", "capture.txt"], ["summary", "--input=-"], ["-N", "all"], ["-tN", "1"], ["--netns", "web"], ["--netns=all"]]) {
      expect(mayReadMany(args, "linux", few), args.join(" ")).toBe(true);
      expect(mayReadMany(args, "darwin", few), args.join(" ")).toBe(true);
    }
  });

  it("not a small listing, nor any run on another system reading its own sockets", () => {
    const few = procWith(10);
    for (const args of [[], ["-tlnp"], ["explain", "TIME_WAIT"], ["--state", "listen", "--json"], ["--no-owners"]])
      expect(mayReadMany(args, "linux", few), args.join(" ")).toBe(false);
    expect(mayReadMany(["-t"], "darwin", procWith(100_000))).toBe(false);
    expect(mayReadMany(["-t"], "win32", procWith(100_000))).toBe(false);
  });
});
