import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runTcpstat } from "../helpers/cli.js";

/**
 * `--input` with a /proc/net/tcp dump of a million sockets, generated here in a temp dir:
 * `summary` and `--ndjson` stream it in bounded memory (peak RSS measured by GNU time),
 * a dump cut mid-row keeps every whole row and reports the broken one, and binary or empty
 * input ends with one line and exit 1.
 */

const ROWS = 1_000_000;
// Reading the whole dump held it all (figures in BENCHMARKS.md, "Figures moved out of comments").
// How far the heap grows before V8 collects differs between Node versions, so the measured runs
// cap it (HEAP): each version must then collect as it goes, and a peak RSS above the bound means
// the run held what it read, in the heap (it would fail at the cap) or outside it (Buffers).
const HEAP = "--max-old-space-size=128";
const PEAK_RSS_KB = 320 * 1024;
// Kernel state codes (include/net/tcp_states.h) cycled through the rows: 250,000 each.
const CYCLE = [
  ["01", "ESTABLISHED"],
  ["0A", "LISTEN"],
  ["06", "TIME_WAIT"],
  ["08", "CLOSE_WAIT"],
] as const;
const HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";

let dir: string;
let dump: string;

const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, "0");
/** Row i: 127.0.0.1 (printed 0100007F on little-endian x86), local port 1024 + i % 60000, peer :8080. */
const row = (i: number) =>
  `${String(i).padStart(6)}: 0100007F:${hex4(1024 + (i % 60000))} 0100007F:1F90 ${CYCLE[i % 4]![0]} 00000000:00000000 00:00000000 00000000  1000        0 ${100000 + i} 1 0000000000000000 20 4 30 10 -1\n`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tcpstat-big-"));
  dump = join(dir, "tcp");
  const out = createWriteStream(dump);
  out.write(`${HEADER}\n`);
  for (let i = 0; i < ROWS; i += 10_000) {
    let block = "";
    for (let k = i; k < i + 10_000; k++) block += row(k);
    if (!out.write(block)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs a shell line with GNU time writing tcpstat's peak RSS (KiB) to a file. */
function measured(line: string) {
  const rssFile = join(dir, "rss");
  const result = spawnSync("bash", ["-c", line], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", BIN, DUMP: dump, RSS: rssFile, HEAP, TIME: "/usr/bin/time" },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  const rss = Number(readFileSync(rssFile, "utf8").trim().split("\n").pop());
  return { ...result, rss };
}

describe("a million sockets through --input", () => {
  it("summary counts them all in bounded memory", () => {
    const r = measured('/usr/bin/time -f %M -o "$RSS" node "$HEAP" "$BIN" summary --input "$DUMP" --json');
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.total).toBe(ROWS);
    expect(summary.tcp.states).toMatchObject({ ESTABLISHED: 250_000, LISTEN: 250_000, TIME_WAIT: 250_000, CLOSE_WAIT: 250_000, SYN_SENT: 0 });
    expect(summary.families).toEqual({ ipv4: ROWS, ipv6: 0 });
    expect(r.rss).toBeLessThan(PEAK_RSS_KB);
    console.log(`summary --input (1M sockets): peak RSS ${Math.round(r.rss / 1024)} MiB`);
  }, 300_000);

  it("summary --by local keeps the top groups right across chunks", () => {
    const r = measured('/usr/bin/time -f %M -o "$RSS" node "$HEAP" "$BIN" summary --input "$DUMP" --by local --top 2 --json');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout);
    // 1,000,000 rows over 60,000 ports: ports 1024..41023 have 17 rows, the rest 16; ties go
    // in text order, where "127.0.0.1:10000" comes before "127.0.0.1:1024".
    expect(summary.by.top.map((g: { key: string; count: number }) => [g.key, g.count])).toEqual([
      ["127.0.0.1:10000", 17],
      ["127.0.0.1:10001", 17],
    ]);
    expect(summary.by.rest).toEqual({ groups: 59_998, count: ROWS - 34 });
  }, 300_000);

  it("--ndjson writes one record a line, in order, in bounded memory (file and stdin)", () => {
    for (const line of [
      '/usr/bin/time -f %M -o "$RSS" node "$HEAP" "$BIN" --ndjson --input "$DUMP" | wc -l; exit ${PIPESTATUS[0]}',
      'cat "$DUMP" | /usr/bin/time -f %M -o "$RSS" node "$HEAP" "$BIN" --ndjson --input - | wc -l; exit ${PIPESTATUS[1]}',
    ]) {
      const r = measured(line);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.rss).toBeLessThan(PEAK_RSS_KB);
      console.log(`--ndjson --input (1M sockets): peak RSS ${Math.round(r.rss / 1024)} MiB`);
      expect(Number(r.stdout.trim())).toBe(ROWS);
    }
  }, 300_000);

  it("--ndjson first and last records are rows 0 and 999,999", () => {
    const r = spawnSync("bash", ["-c", 'node "$BIN" --ndjson --input "$DUMP" | sed -n "1p;\\$p"'], { encoding: "utf8", env: { ...process.env, BIN, DUMP: dump }, timeout: 300_000 });
    const [first, last] = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(first).toMatchObject({ localAddress: "127.0.0.1", localPort: 1024, remotePort: 8080, state: "ESTABLISHED", uid: 1000, inode: 100000 });
    // 999,999 % 60,000 = 39,999 -> port 41,023; 999,999 % 4 = 3 -> CLOSE_WAIT.
    expect(last).toMatchObject({ localPort: 41_023, state: "CLOSE_WAIT", inode: 1_099_999 });
  }, 300_000);
});

describe("broken input", () => {
  it("a dump cut in the middle of a row keeps every whole row and reports the broken one", () => {
    const whole = [HEADER, row(0).trimEnd(), row(1).trimEnd(), row(2).trimEnd()].join("\n");
    const cutAt = whole.lastIndexOf(" 100002"); // the inode of row 2 cut to "1000"
    const file = join(dir, "cut");
    writeFileSync(file, whole.slice(0, cutAt + 5));
    for (const args of [["--json"], ["summary", "--json"]]) {
      const r = runTcpstat([...args, "--input", file]);
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/^tcpstat: skipped 1 unreadable line\(s\); first at .*cut:4: row cut short/);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      const out = JSON.parse(r.stdout);
      if (args[0] === "--json") expect(out.map((s: { inode: number }) => s.inode)).toEqual([100000, 100001]);
      else expect(out.total).toBe(2);
    }
  });

  it("binary garbage ends with one line and exit 1", () => {
    const file = join(dir, "garbage");
    writeFileSync(file, Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919 + 13) % 256)));
    for (const args of [[], ["--ndjson"], ["summary"]]) {
      const r = runTcpstat([...args, "--input", file]);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^tcpstat: .*garbage looks like binary data/);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("an endless binary input (/dev/zero) is refused at once, in every output", () => {
    for (const args of [[], ["--json"], ["--ndjson"], ["summary"], ["summary", "--by", "port"]]) {
      const r = runTcpstat([...args, "--input", "/dev/zero"]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toMatch(/^tcpstat: \/dev\/zero looks like binary data/);
    }
  });

  it("an empty or blank input says so, exit 1", () => {
    const file = join(dir, "empty");
    for (const content of ["", "\n\n   \r\n"]) {
      writeFileSync(file, content);
      for (const args of [[], ["--ndjson"], ["summary"]]) {
        const r = runTcpstat([...args, "--input", file]);
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/^tcpstat: .*empty is empty: there is nothing to replay/);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
      }
    }
    const piped = runTcpstat(["--ndjson", "--input", "-"], { input: "" });
    expect([piped.status, piped.stderr.trim()]).toEqual([1, expect.stringMatching(/stdin is empty/)]);
  });
});
