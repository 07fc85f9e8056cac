import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import { PROMTOOL, PROMTOOL_MISSING, parseSamples, promtoolCheck, select, value, type Sample } from "../format/prometheus-text.js";
import { parseSs } from "./reference-tools.js";
import { sameCounts, ssCounts, tcpSnmp } from "./prometheus-ss-counts.js";
import { NODE_NAME, NODE_PORT, startScenario, type Scenario } from "./scenario.js";

/**
 * The "done when": `tcpstat metrics` in a namespace holding every TCP state
 * (test/live/hold-sockets.py) counts what ss counts, state by state, and promtool accepts it.
 * ss runs before and after; a run where the two differ (a timer fired) is retried.
 */

let scenario: Scenario;
let text: string;
let stderr: string;
let samples: Sample[];
let ss: Map<string, number>;
let snmpBefore: Record<string, number>;
let snmpAfter: Record<string, number>;

beforeAll(async () => {
  scenario = await startScenario();
  const { ns } = scenario;
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = ssCounts(ns);
    snmpBefore = tcpSnmp(ns);
    const result = runTcpstat(["metrics", "--top", "100"], { netns: ns });
    snmpAfter = tcpSnmp(ns);
    const after = ssCounts(ns);
    expect(result.status, result.stderr).toBe(0);
    [text, stderr, ss] = [result.stdout, result.stderr, before];
    if (sameCounts(before, after)) break;
  }
  samples = parseSamples(text);
});

afterAll(() => scenario?.close());

describe("tcpstat metrics against ss in a namespace holding every state", () => {
  it("says nothing on stderr", () => {
    expect(stderr).toBe("");
  });

  it("holds the states the scenario promises (so the comparison is not vacuous)", () => {
    for (const state of ["ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "LISTEN"]) {
      expect(ss.get(`tcp/ipv4/${state}`) ?? 0, state).toBeGreaterThan(0);
      expect(ss.get(`tcp/ipv6/${state}`) ?? 0, state).toBeGreaterThan(0);
    }
    expect(ss.get("udp/ipv4/ESTABLISHED") ?? 0).toBeGreaterThan(0);
  });

  it("counts every proto/family/state exactly as ss does, 0 where ss has none", () => {
    const sockets = select(samples, "tcpstat_sockets");
    expect(sockets).toHaveLength(2 * 11 + 2 * 2);
    for (const s of sockets) {
      const key = `${s.labels.proto}/${s.labels.family}/${s.labels.state}`;
      expect(s.value, key).toBe(ss.get(key) ?? 0);
    }
    for (const key of ss.keys()) expect(sockets.some((s) => `${s.labels.proto}/${s.labels.family}/${s.labels.state}` === key), key).toBe(true);
  });

  it("counts listeners by port, like ss -l", () => {
    const listening = parseSs(scenario.ns.run("ss", ["-tulnpH"]).stdout);
    const expected = new Map<string, number>();
    for (const s of listening) {
      const key = `${s.proto}/${s.family}/${s.localPort}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const got = new Map(select(samples, "tcpstat_listening_sockets").map((s) => [`${s.labels.proto}/${s.labels.family}/${s.labels.port}`, s.value]));
    expect(got).toEqual(expected);
    expect(got.get(`tcp/ipv4/${NODE_PORT}`)).toBe(1);
  });

  it("counts sockets by owning process as ss -p names them", () => {
    const expected = new Map<string, number>();
    for (const s of parseSs(scenario.ns.run("ss", ["-tuanpH"]).stdout))
      if (s.process !== null) expected.set(s.process, (expected.get(s.process) ?? 0) + 1);
    const got = new Map(select(samples, "tcpstat_process_sockets").map((s) => [s.labels.process!, s.value]));
    expect(got).toEqual(expected);
    expect(got.get(NODE_NAME)).toBe(1); // a name with spaces, as a label value
  });

  it("exports the namespace's kernel counters, between two readings of /proc/net/snmp", () => {
    for (const [counter, metric] of [
      ["ActiveOpens", "tcpstat_tcp_active_opens_total"],
      ["PassiveOpens", "tcpstat_tcp_passive_opens_total"],
      ["OutSegs", "tcpstat_tcp_segments_sent_total"],
    ] as const) {
      const v = value(samples, metric)!;
      expect(v, metric).toBeGreaterThanOrEqual(snmpBefore[counter]!);
      expect(v, metric).toBeLessThanOrEqual(snmpAfter[counter]!);
    }
    expect(snmpBefore.ActiveOpens).toBeGreaterThan(0);
  });

  it("reports how long the collection took, in seconds", () => {
    const seconds = value(samples, "tcpstat_collection_duration_seconds")!;
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(30);
    expect(value(samples, "tcpstat_collection_problems")).toBe(0);
  });

  it.skipIf(!PROMTOOL)(`passes promtool check metrics (${PROMTOOL ? "promtool found" : PROMTOOL_MISSING})`, () => {
    expect(promtoolCheck(text)).toEqual({ status: 0, output: "" });
    const detailed = runTcpstat(["metrics", "--detailed"], { netns: scenario.ns });
    expect(detailed.status).toBe(0);
    expect(select(parseSamples(detailed.stdout), "tcpstat_socket_info").length).toBeGreaterThan(20);
    expect(promtoolCheck(detailed.stdout)).toEqual({ status: 0, output: "" });
  });

  it("--format prometheus on the list command gives the same metrics", () => {
    const r = runTcpstat(["--format", "prometheus"], { netns: scenario.ns });
    expect(r.status).toBe(0);
    const a = select(parseSamples(r.stdout), "tcpstat_sockets").map((s) => `${JSON.stringify(s.labels)}=${s.value}`);
    const b = select(samples, "tcpstat_sockets").map((s) => `${JSON.stringify(s.labels)}=${s.value}`);
    expect(a).toEqual(b);
  });
});
