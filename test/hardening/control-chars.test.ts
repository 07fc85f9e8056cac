import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROMTOOL, parseSamples, promtoolCheck, select } from "../format/prometheus-text.js";
import { runTcpstat } from "../helpers/cli.js";

/**
 * Control characters from a replayed capture (issue 22, item 6): an IPv6 zone that clears the
 * screen and paints red, and a process name holding a C1 control (U+009B, the one-byte CSI)
 * and a right-to-left override (U+202E). Every text output shows them as visible escapes;
 * JSON writes them as \u escapes and carries the exact text back; Prometheus label values
 * hold the escapes as text.
 */
const ZONE = "fe80::1%\x1b[2J\x1b[31mx";
const NAME = "a\u009b\u202eb";
const CAPTURE = [
  "Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process",
  `tcp   LISTEN 0      128    [${ZONE}]:22        [::]:*`,
  `tcp   ESTAB  0      0    10.0.0.1:22        10.0.0.2:5000     users:(("${NAME}",pid=5,fd=3))`,
  "",
].join("\n");
/** Anything a terminal or a bidi-aware viewer would act on. */
const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

let dir: string;
let file: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tcpstat-control-"));
  file = join(dir, "ss.txt");
  writeFileSync(file, CAPTURE);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("control characters of a replayed capture", () => {
  it.each([
    ["the table", ["-a"]],
    ["--watch", ["-a", "--watch", "0.1", "--count", "1"]],
  ])("%s shows the zone and the name escaped", (_, args) => {
    const r = runTcpstat(["--input", file, ...args]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stdout).toContain("[fe80::1%\\x1b[2J\\x1b[31mx]:22");
    expect(r.stdout).toContain("5/a\\x9b\\u202eb");
  });

  it("--json and --ndjson write C1 controls and bidi overrides as \\u escapes, and the exact text back", () => {
    for (const flag of ["--json", "--ndjson"]) {
      const r = runTcpstat(["--input", file, "-a", flag]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(RAW);
      expect(r.stdout).toContain('"process":"a\\u009b\\u202eb"');
      expect(r.stdout).toContain('"localAddress":"fe80::1%\\u001b[2J\\u001b[31mx"');
      const records = flag === "--json" ? JSON.parse(r.stdout) : r.stdout.trim().split("\n").map((l) => JSON.parse(l));
      expect(records.map((x: { localAddress: string; process: string | null }) => [x.localAddress, x.process])).toEqual([
        [ZONE, null],
        ["10.0.0.1", NAME],
      ]);
    }
  });

  it("summary --json escapes them too", () => {
    const r = runTcpstat(["summary", "--input", file, "-a", "--by", "process", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stdout).toContain("a\\u009b\\u202eb");
  });

  it("metrics --detailed writes them as visible escapes inside label values", () => {
    const r = runTcpstat(["metrics", "-q", "--input", file, "--detailed"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW);
    const info = select(parseSamples(r.stdout), "tcpstat_socket_info");
    expect(info.map((s) => [s.labels.local_address, s.labels.process])).toEqual([
      ["fe80::1%\\x1b[2J\\x1b[31mx", ""],
      ["10.0.0.1", "a\\x9b\\u202eb"],
    ]);
    if (PROMTOOL) expect(promtoolCheck(r.stdout)).toEqual({ status: 0, output: "" });
  });
});
