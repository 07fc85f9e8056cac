import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import { SummarySchema, type Summary } from "../../src/model/report.js";
import { TCP_STATES } from "../../src/model/state.js";
import { ssCount } from "./pathology-helpers.js";
import { ssStateCounts } from "./reference-tools.js";
import { BASES, NODE_PORT, startScenario, type Scenario } from "./scenario.js";

/**
 * The "done when" for summary: on real sockets in every reachable state (the live
 * scenario: IPv4, IPv6, IPv4-mapped, UDP), `tcpstat summary --json` agrees with ss.
 * ss runs before and after tcpstat; a reading is kept only when both ss runs agree.
 */

let scenario: Scenario;
beforeAll(async () => {
  scenario = await startScenario();
});
afterAll(() => scenario?.close());

const zeroFilled = (counts: Record<string, number>) => Object.fromEntries(TCP_STATES.map((s) => [s, counts[s] ?? 0]));

/** tcpstat summary ARGS --json bracketed by two ss readings that agree. */
function bracketed(args: string[], ssFilter: string[] = []): { summary: Summary; ss: Record<string, number> } {
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = ssStateCounts(scenario.ns, ssFilter);
    const r = runTcpstat(["summary", "--json", ...args], { netns: scenario.ns });
    expect(r.status, r.stderr).toBe(0);
    const after = ssStateCounts(scenario.ns, ssFilter);
    if (JSON.stringify(before) === JSON.stringify(after)) return { summary: SummarySchema.parse(JSON.parse(r.stdout)), ss: before };
  }
  throw new Error("sockets kept changing under ss");
}

describe("summary against ss", () => {
  it("counts every state as ss does", () => {
    const { summary, ss } = bracketed([]);
    expect(summary.tcp.states).toEqual(zeroFilled(ss));
    expect(summary.tcp.total).toBe(Object.values(ss).reduce((a, b) => a + b, 0));
    // The scenario really reaches these states (CLOSE and CLOSING are not held by it).
    for (const s of ["LISTEN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE_WAIT", "LAST_ACK"])
      expect(summary.tcp.states[s as keyof Summary["tcp"]["states"]], s).toBeGreaterThan(0);
  });

  it("counts UDP, connected and not, as ss -uan does", () => {
    const { summary } = bracketed(["-tu"]);
    const udp = scenario.ns.run("ss", ["-uanH"]).stdout.split("\n").filter((l) => l.trim() !== "");
    const connected = udp.filter((l) => l.trim().startsWith("ESTAB")).length;
    expect(summary.udp.total).toBe(udp.length);
    expect(summary.udp.connected).toBe(connected);
    expect(summary.udp.unconnected).toBe(udp.length - connected);
    expect(summary.total).toBe(summary.tcp.total + summary.udp.total);
  });

  it("applies filters: --state, -4, --port", () => {
    const tw = bracketed(["--state", "time-wait"]);
    expect(tw.summary.total).toBe(tw.ss.TIME_WAIT);
    const v4 = bracketed(["-4"], ["-4"]);
    expect(v4.summary.tcp.states).toEqual(zeroFilled(v4.ss));
    const port = BASES.v4;
    const onPort = bracketed(["--port", String(port)], ["( sport = :" + port + " or dport = :" + port + " )"]);
    expect(onPort.summary.tcp.states).toEqual(zeroFilled(onPort.ss));
  });

  it("--by port groups a service's server and client sockets under its port", () => {
    const port = BASES.v4 + 2; // client half-closed: client FIN_WAIT2 + server CLOSE_WAIT + LISTEN
    const { summary, ss } = bracketed(["--by", "port", "--top", "1000"], ["( sport = :" + port + " or dport = :" + port + " )"]);
    const group = summary.by!.top.find((g) => g.key === String(port))!;
    expect(group.count).toBe(Object.values(ss).reduce((a, b) => a + b, 0));
    expect(group.states).toEqual(Object.fromEntries(Object.entries(ss)));
  });

  it("--by process names the owner and pid; --top sums the rest", () => {
    const { summary } = bracketed(["--by", "process", "--top", "1"]);
    const all = bracketed(["--by", "process", "--top", "1000"]).summary.by!;
    const node = all.top.find((g) => g.key.startsWith(`${scenario.nodePid}/`));
    expect(node?.count).toBe(ssCount(scenario.ns, ["-p", "sport", "= :" + NODE_PORT]));
    expect(summary.by!.top).toHaveLength(1);
    expect(summary.by!.rest.groups).toBe(all.top.length - 1);
    expect(summary.by!.top[0]!.count + summary.by!.rest.count).toBe(summary.total);
  });

  it("--oneline carries the same counts as --json, every state always present", () => {
    const { summary } = bracketed([]);
    const r = runTcpstat(["summary", "--oneline"], { netns: scenario.ns });
    expect(r.stdout.split("\n")).toHaveLength(2);
    const fields = Object.fromEntries(
      r.stdout
        .trim()
        .split(" ")
        .slice(1)
        .map((kv) => kv.split("=") as [string, string]),
    );
    for (const s of TCP_STATES) expect(Number(fields[s]), s).toBe(summary.tcp.states[s]);
    expect(Number(fields.tcp)).toBe(summary.tcp.total);
  });

  it("works on a replayed ss capture (--input) as on the live sockets", () => {
    const dir = mkdtempSync(join(tmpdir(), "tcpstat-summary-"));
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        const capture = scenario.ns.run("ss", ["-tanp"]).stdout;
        const ss = ssStateCounts(scenario.ns);
        const file = join(dir, "ss-tanp.txt");
        writeFileSync(file, capture);
        const replay = runTcpstat(["summary", "--json", "--input", file]);
        expect(replay.status, replay.stderr).toBe(0);
        const counted = capture.split("\n").slice(1).filter((l) => l.trim() !== "").length;
        const summary = SummarySchema.parse(JSON.parse(replay.stdout));
        expect(summary.tcp.total).toBe(counted);
        if (JSON.stringify(zeroFilled(ss)) === JSON.stringify(summary.tcp.states)) return;
      }
      throw new Error("replayed counts never matched ss");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
