import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import { NODE_PORT, startScenario, type Scenario } from "./scenario.js";

/**
 * `tcpstat summary` without --by counts each socket as it is read and keeps none. These
 * check that path where it meets the others: a --pid filter turns owners on (the records are
 * then kept until matched with their processes, and counted after), and the counts equal
 * what the listing of the same sockets shows.
 */

let scenario: Scenario;
beforeAll(async () => {
  scenario = await startScenario();
});
afterAll(() => scenario?.close());

const summaryJson = (args: string[]) => {
  const r = runTcpstat(["summary", "--json", ...args], { netns: scenario.ns });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe("summary counted while reading", () => {
  it("--pid: counts the process's sockets as ss -tanp shows them", () => {
    const ss = scenario.ns.run("ss", ["-tanpH"]).stdout.split("\n").filter((l) => l.includes(`pid=${scenario.nodePid},`));
    expect(ss.length).toBeGreaterThan(0);
    const summary = summaryJson(["--pid", String(scenario.nodePid)]);
    expect(summary.tcp.total).toBe(ss.length);
    expect(summary.tcp.states.LISTEN).toBe(ss.filter((l) => l.startsWith("LISTEN")).length);
  });

  it("counts the same sockets the listing shows", () => {
    const summary = summaryJson(["--port", String(NODE_PORT)]);
    const r = runTcpstat(["-t", "--json", "--no-owners", "--port", String(NODE_PORT)], { netns: scenario.ns });
    const records: Array<{ state: string; family: string }> = JSON.parse(r.stdout);
    expect(records.length).toBeGreaterThan(0);
    expect(summary.total).toBe(records.length);
    expect(summary.families.ipv4 + summary.families.ipv6).toBe(records.length);
    for (const state of new Set(records.map((x) => x.state)))
      expect(summary.tcp.states[state], state).toBe(records.filter((x) => x.state === state).length);
  });
});
