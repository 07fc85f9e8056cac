import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runTcpstat } from "../helpers/cli.js";

/**
 * Hostile captures (issue 22, item 7): JSON nested deeper than any PowerShell capture (it
 * overflowed the stack) is refused with one line and exit 1, detected or named; a capture as
 * deep as ConvertTo-Json goes is still read. Lines longer than 64 KiB are skipped and reported,
 * never held: 200 MB without a line break, piped in, keeps the run's peak RSS near its usual.
 */
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tcpstat-capture-limits-"));
  const depth = 200_000;
  writeFileSync(join(dir, "deep.json"), `${"[".repeat(depth)}${"]".repeat(depth)}`);
  writeFileSync(join(dir, "envelope-deep.json"), `{"tcp":${"[".repeat(depth)}${"]".repeat(depth)}}`);
  // 100 levels, as deep as ConvertTo-Json -Depth 100 writes, around one real row.
  const row = '{"LocalAddress":"10.0.0.1","LocalPort":22,"RemoteAddress":"10.0.0.2","RemotePort":5000,"State":5,"OwningProcess":4}';
  writeFileSync(join(dir, "ok.json"), `{"tcp":[${row}],"udp":[],"x":${"[".repeat(97)}${"]".repeat(97)}}`);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("PowerShell JSON nested without end", () => {
  for (const name of ["deep.json", "envelope-deep.json"])
    for (const format of [[], ["--input-format", "powershell"]])
      it(`${name}${format.length ? " named powershell" : ""}: one line, exit 1`, () => {
        const file = join(dir, name);
        const r = runTcpstat(["--input", file, ...format]);
        expect(r.status).toBe(1);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        if (format.length)
          expect(r.stderr).toBe(
            `tcpstat: ${file}: PowerShell JSON nested more than 100 levels deep, deeper than any capture; give the output of Get-NetTCPConnection | ConvertTo-Json as PowerShell writes it\n`,
          );
        expect(r.stderr).not.toMatch(/stack|    at /);
      });

  it("a capture as deep as ConvertTo-Json writes is still read", () => {
    const r = runTcpstat(["--input", join(dir, "ok.json"), "--input-format", "powershell", "--json", "-a"]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).map((x: { localPort: number; state: string }) => [x.localPort, x.state])).toEqual([[22, "ESTABLISHED"]]);
    expect(readdirSync(dir)).toContain("ok.json");
  });
});

describe("lines longer than 64 KiB", () => {
  it("are skipped and reported; the lines around them are read", () => {
    const ss = readFileSync(new URL("../../fixtures/linux-ss/debian-12/ss-tuanp.txt", import.meta.url), "utf8").split("\n");
    const file = join(dir, "long-line.txt");
    writeFileSync(file, [...ss.slice(0, 2), "a".repeat(300_000), ...ss.slice(2)].join("\n"));
    const r = runTcpstat(["--input", file, "-a", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe(`tcpstat: skipped 1 line(s) longer than 64 KiB in ${file}; first at line 3\n`);
    // The same records as the capture without that line.
    const whole = join(dir, "whole.txt");
    writeFileSync(whole, ss.join("\n"));
    const expected = runTcpstat(["--input", whole, "-a", "--json"]);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(expected.stdout));
    expect(JSON.parse(r.stdout).length).toBeGreaterThan(0);
  });

  it("200 MB without a line break on stdin ends with one line, exit 1, never held", () => {
    const script = `head -c 200000000 /dev/zero | tr '\\0' 'a' | /usr/bin/time -f 'peak %M' "$0" --max-old-space-size=64 "$1" --input -`;
    const r = spawnSync("sh", ["-c", script, process.execPath, BIN], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    const lines = r.stderr.trim().split("\n");
    expect(lines[0]).toBe("tcpstat: stdin holds no line shorter than 64 KiB: skipped 1 longer line(s), the first at line 1; give a captured netstat, ss, lsof, sockstat or /proc/net output");
    // Held whole, 200 MB of text would need more than 200 MB; node itself starts near 50. The
    // heap is capped so that the peak does not depend on how lazily a Node version collects.
    expect(Number(/peak (\d+)/.exec(r.stderr)![1]) * 1024).toBeLessThan(150_000_000);
  });

  it("--ndjson of a /proc/net dump (the streamed path): the rows before are written, the endless line dropped", () => {
    const head = readFileSync(new URL("../../fixtures/linux-procfs/netns-states/tcp", import.meta.url), "utf8").split("\n").slice(0, 3).join("\n");
    const script = `{ printf '%s\\n' "$2"; head -c 200000000 /dev/zero | tr '\\0' 'a'; } | /usr/bin/time -f 'peak %M' "$0" --max-old-space-size=64 "$1" --input - -a --ndjson`;
    const r = spawnSync("sh", ["-c", script, process.execPath, BIN, head], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n").map((l) => JSON.parse(l).localPort)).toEqual([11000, 11001]);
    expect(r.stderr.split("\n")[0]).toBe("tcpstat: skipped 1 line(s) longer than 64 KiB in stdin; first at line 4");
    expect(Number(/peak (\d+)/.exec(r.stderr)![1]) * 1024).toBeLessThan(150_000_000);
  });

});

describe("a capture bigger than the table or --json can hold", () => {
  it("ends with one line naming --ndjson and summary, which still read it", () => {
    const rows = ["  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"];
    for (let i = 0; i < 150_000; i++)
      rows.push(`${i}: 0100007F:${(10000 + (i % 50000)).toString(16).toUpperCase()} 0200007F:0400 01 00000000:00000000 00:00000000 00000000     0        0 ${100000 + i} 1 0000000000000000 20 4 30 10 -1`);
    const file = join(dir, "big-tcp");
    writeFileSync(file, `${rows.join("\n")}\n`);
    // A heap of 64 MB (as a small machine or container has): the 20 MB capture is too big to hold whole.
    // The young generation bounded too: Node 24 sizes it at 200 MB by default, which alone would hold it.
    const run = (args: string[]) => spawnSync(process.execPath, ["--max-old-space-size=64", "--max-semi-space-size=1", BIN, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 1 << 28 });
    for (const args of [["--input", file], ["--input", file, "--json"]]) {
      const r = run(args);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(new RegExp(`^tcpstat: ${file} is more than \\d+ MB: more records than the table or --json can hold in memory; use --ndjson or summary, which stream the capture\n$`));
    }
    const streamed = run(["--input", file, "--ndjson"]);
    expect(streamed.status, streamed.stderr).toBe(0);
    expect(streamed.stdout.trim().split("\n")).toHaveLength(150_000);
    const summary = run(["summary", "--input", file, "--json"]);
    expect(summary.status, summary.stderr).toBe(0);
    expect(JSON.parse(summary.stdout).total).toBe(150_000);
  }, 120_000);
});
