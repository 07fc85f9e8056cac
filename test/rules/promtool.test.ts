import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import { PROMTOOL, PROMTOOL_MISSING } from "../format/prometheus-text.js";

/**
 * The shipped Prometheus rules (rules/tcpstat.rules.yml, written by the build from `tcpstat
 * rules`) under promtool: `check rules` clean, and the unit tests beside this file
 * (tcpstat.rules.test.yml: each alert fires on a series that should fire it, stays silent on
 * healthy ones and on the near side of its threshold) pass; moved thresholds make them fail.
 */
const REPO = fileURLToPath(new URL("../..", import.meta.url));
const SHIPPED = join(REPO, "rules", "tcpstat.rules.yml");
const UNIT_TESTS = join(REPO, "test", "rules", "tcpstat.rules.test.yml");

const promtool = (args: string[]) => {
  const r = spawnSync(PROMTOOL ?? "promtool", args, { encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
};

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The unit tests run against the rules `tcpstat rules ARGS` prints instead of the shipped file. */
function unitTestsAgainst(args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "tcpstat-rules-"));
  dirs.push(dir);
  // the same layout as the repository's: test/rules/X.test.yml reads ../../rules/tcpstat.rules.yml
  mkdirSync(join(dir, "rules"));
  mkdirSync(join(dir, "test", "rules"), { recursive: true });
  const printed = runTcpstat(["rules", ...args]);
  expect(printed.status, printed.stderr).toBe(0);
  writeFileSync(join(dir, "rules", "tcpstat.rules.yml"), printed.stdout);
  copyFileSync(UNIT_TESTS, join(dir, "test", "rules", "tcpstat.rules.test.yml"));
  return promtool(["test", "rules", join(dir, "test", "rules", "tcpstat.rules.test.yml")]);
}

/** Alert names promtool's report says failed. */
const failedAlerts = (output: string) => [...new Set([...output.matchAll(/alertname: (\w+), time:/g)].map((m) => m[1]))].sort();

describe.skipIf(!PROMTOOL)(`the shipped Prometheus rules${PROMTOOL ? "" : ` (skipped: ${PROMTOOL_MISSING})`}`, () => {
  it("are what `tcpstat rules` prints, and promtool check rules finds them clean", () => {
    expect(readFileSync(SHIPPED, "utf8")).toBe(runTcpstat(["rules"]).stdout);
    const check = promtool(["check", "rules", SHIPPED]);
    expect(check).toEqual({ status: 0, output: `Checking ${SHIPPED}\n  SUCCESS: 18 rules found\n\n` });
  });

  it("pass their unit tests (promtool test rules)", () => {
    const r = promtool(["test", "rules", UNIT_TESTS]);
    expect(r.output).toContain("SUCCESS");
    expect(r.status, r.output).toBe(0);
  });

  it("fail those tests when each threshold is raised past the firing series", () => {
    const raised = ["close-wait=11", "time-wait=1001", "ephemeral=0.81", "syn-recv=101", "listen-overflows=2", "fin-wait2=51", "retrans-rate=0.06", "scrape-seconds=6"];
    const r = unitTestsAgainst(raised.flatMap((t) => ["--threshold", t]));
    expect(r.status).toBe(1);
    expect(failedAlerts(r.output)).toEqual([
      "TcpstatCloseWaitLeak",
      "TcpstatEphemeralPortsNearlyExhausted",
      "TcpstatFinWait2Stuck",
      "TcpstatListenQueueOverflows",
      "TcpstatRetransmitRate",
      "TcpstatScrapeSlow",
      "TcpstatSynRecvFlood",
      "TcpstatTimeWaitChurn",
    ]);
  });

  it("fail them when each threshold is lowered onto the silent series", () => {
    const lowered = ["close-wait=9", "time-wait=999", "ephemeral=0.7999", "syn-recv=99", "fin-wait2=49", "retrans-rate=0.04", "scrape-seconds=4.9"];
    const r = unitTestsAgainst(lowered.flatMap((t) => ["--threshold", t]));
    expect(r.status).toBe(1);
    expect(failedAlerts(r.output)).toEqual([
      "TcpstatCloseWaitLeak",
      "TcpstatEphemeralPortsNearlyExhausted",
      "TcpstatFinWait2Stuck",
      "TcpstatRetransmitRate",
      "TcpstatScrapeSlow",
      "TcpstatSynRecvFlood",
      "TcpstatTimeWaitChurn",
    ]);
  });

  it("--for and --window change every alert's wait and the rates' range", () => {
    const r = runTcpstat(["rules", "--for", "0s", "--window", "30s", "--job", "node-tcp"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/^ {8}for: "0s"$/gm)).toHaveLength(10);
    expect(r.stdout).toContain('expr: "rate(tcpstat_tcp_listen_overflows_total[30s])"');
    expect(r.stdout).toContain('expr: "up{job=\\"node-tcp\\"} == 0"');
    const dir = mkdtempSync(join(tmpdir(), "tcpstat-rules-"));
    dirs.push(dir);
    writeFileSync(join(dir, "r.yml"), r.stdout);
    expect(promtool(["check", "rules", join(dir, "r.yml")]).status).toBe(0);
  });
});

describe("tcpstat rules: bad options", () => {
  const cases: Array<[string[], string]> = [
    [["--threshold", "close-wait=lots"], "tcpstat: bad threshold 'close-wait=lots'; write NAME=NUMBER, e.g. --threshold close-wait=50\n"],
    [["--threshold", "syn-sent=5"], "tcpstat: unknown threshold 'syn-sent'; choose one of: close-wait, time-wait, syn-recv, listen-overflows, fin-wait2, retrans-rate, ephemeral, scrape-seconds\n"],
    [["--threshold", "close-wait=0"], "tcpstat: threshold close-wait must be above 0; e.g. --threshold close-wait=10\n"],
    [["--for", "5 minutes"], "tcpstat: bad --for '5 minutes'; give a Prometheus duration: a whole number and one unit of ms, s, m, h, d, w, e.g. 30s or 5m\n"],
    [["--window", "0s"], "tcpstat: bad --window '0s'; give a Prometheus duration: a whole number above 0 and one unit of ms, s, m, h, d, w, e.g. 30s or 5m\n"],
  ];
  for (const [args, message] of cases)
    it(`${args.join(" ")}: exit 2, one line, nothing on stdout`, () => {
      const r = runTcpstat(["rules", ...args]);
      expect(r).toEqual({ status: 2, stdout: "", stderr: message });
    });
});
