import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { runTcpstat } from "../helpers/cli.js";
import { StatsSchema, type Stats } from "../../src/model/report.js";
import { buildStats } from "../../src/knowledge/counter-stats.js";
import { KNOWN_COUNTERS } from "../../src/knowledge/counters.js";
import { startPathology, type Pathology } from "../live/pathology-helpers.js";

/**
 * `tcpstat stats` against nstat and /proc in a namespace whose traffic the test makes:
 * the time-wait scenario opens 300 short connections plus one pooled one, so the
 * namespace's counters are known to be busy, then sit still.
 */

let p: Pathology;
beforeAll(async () => {
  p = await startPathology("time-wait", 300);
});
afterAll(() => p?.close());

const stats = (args: string[]): Stats => {
  const r = runTcpstat(["stats", "--json", ...args], { netns: p.ns });
  expect(r.status, r.stderr).toBe(0);
  return StatsSchema.parse(JSON.parse(r.stdout));
};

describe("tcpstat stats", () => {
  it("agrees with nstat -az on every counter both know", () => {
    const ours = stats(["--all"]);
    const nstat = JSON.parse(p.ns.run("nstat", ["-azs", "--json"]).stdout) as { kernel: Record<string, number> };
    const values = new Map(ours.counters.map((c) => [c.name, c.value]));
    let compared = 0;
    for (const [name, value] of Object.entries(nstat.kernel)) {
      if (!values.has(name)) {
        // nstat also reads /proc/net/snmp6 (IPv6 counters), which stats does not show.
        expect(name, `${name} missing from tcpstat stats --all`).toMatch(/^(Ip6|Icmp6|Udp6|UdpLite6)/);
        continue;
      }
      // The namespace is idle now, except for the segments nstat and tcpstat do not make.
      expect(values.get(name), name).toBe(value);
      compared++;
    }
    expect(compared).toBeGreaterThan(200);
    // The scenario's connections: 1 pooled + 300 short ones, each opened and accepted here.
    expect(values.get("TcpActiveOpens")).toBe(301);
    expect(values.get("TcpPassiveOpens")).toBe(301);
  });

  it("shows the curated counters with their labels, and the table names them", () => {
    const ours = stats([]);
    expect(ours.counters.map((c) => c.name)).toEqual(KNOWN_COUNTERS.map((k) => k.name));
    expect(ours.intervalSeconds).toBeNull();
    const text = runTcpstat(["stats"], { netns: p.ns }).stdout;
    expect(text).toMatch(/accept queue full: completed handshakes dropped \(listen overflows\) +TcpExtListenOverflows +0\n/);
    expect(text).toMatch(/connections opened from here \(connect: CLOSED -> SYN_SENT\) +TcpActiveOpens +301\n/);
  });

  it("--interval shows rates per second between two readings", async () => {
    // Connections made all through the interval, by ss-independent means: nc is not everywhere,
    // so a small node loop opens one every 50 ms inside the namespace and prints how many it
    // has begun, from before the first reading (its first line) until after the second.
    const loop = p.ns.spawn(process.execPath, [
      "-e",
      `const net=require("net");let n=0;setInterval(()=>{console.log(++n);const c=net.connect(9090,"127.0.0.1",()=>c.end())},50);`,
    ]);
    let begun = "";
    loop.stdout!.on("data", (d) => (begun += String(d)));
    await lineFrom(loop, "connection loop");
    const started = Date.now();
    const s = stats(["--interval", "3"]);
    const wallSeconds = (Date.now() - started) / 1000;
    loop.kill();
    await once(loop, "close");
    const made = Number(begun.trim().split("\n").pop());
    expect(s.intervalSeconds).toBeGreaterThanOrEqual(3);
    // The interval is the time between the readings: within the run as the user timed it.
    expect(s.intervalSeconds).toBeLessThanOrEqual(wallSeconds);
    const opens = s.counters.find((c) => c.name === "TcpActiveOpens")!;
    // Some connections fall between the readings, and no more than the loop began.
    expect(opens.perSecond).toBeGreaterThan(0);
    expect(opens.perSecond! * s.intervalSeconds!).toBeLessThanOrEqual(made + 0.5);
    expect(s.counters.find((c) => c.name === "TcpCurrEstab")!.perSecond).toBeNull();
  });

  it("rejects a bad interval with one line and exit 2", () => {
    const r = runTcpstat(["stats", "--interval", "soon"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("tcpstat: bad interval 'soon' for --interval; give seconds between 0.1 and 3600, e.g. --interval 5\n");
  });
});

describe("buildStats", () => {
  it("computes rates per second and leaves gauges without one", () => {
    // Hand-computed: 130 - 100 opens over 2 s = 15/s; 7 - 3 resets over 2 s = 2/s.
    const first = { counters: { TcpActiveOpens: 100, TcpOutRsts: 3, TcpCurrEstab: 9 }, problems: [], readAt: 1_000 };
    const second = { counters: { TcpActiveOpens: 130, TcpOutRsts: 7, TcpCurrEstab: 4 }, problems: [], readAt: 3_000 };
    const s = buildStats(first, second, { all: false });
    const by = Object.fromEntries(s.counters.map((c) => [c.name, c]));
    expect(s.intervalSeconds).toBe(2);
    expect(by.TcpActiveOpens!.value).toBe(130);
    expect(by.TcpActiveOpens!.perSecond).toBe(15);
    expect(by.TcpOutRsts!.perSecond).toBe(2);
    expect(by.TcpCurrEstab!.value).toBe(4);
    expect(by.TcpCurrEstab!.perSecond).toBeNull();
    // Counters this kernel does not have are left out, not shown as zero.
    expect(by.TcpExtListenOverflows).toBeUndefined();
  });
});
