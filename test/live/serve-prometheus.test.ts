import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { PROMETHEUS, PrometheusHarness, type Series } from "./prometheus-server.js";
import { sameCounts, ssCounts } from "./prometheus-ss-counts.js";

/**
 * The "done when": a real Prometheus (Debian's prometheus binary), started here on
 * loopback inside a fresh namespace with a 2 s scrape interval and a temporary config and
 * storage, scrapes `tcpstat serve` there; its query API returns, series by series, what ss
 * counts. The sockets are held by a small script (HOLDER) on ports 16000-16999, and only
 * those ports are counted on both sides, so the scrape and query connections themselves do
 * not move the numbers. (The every-state scenario cannot host this: it blackholes lo.)
 */

const PORTS = "16000-16999";
const SS_FILTER = ["( sport >= :16000 and sport <= :16999 ) or ( dport >= :16000 and dport <= :16999 )"];

/**
 * Holds, then prints "ready" (the test then waits until ss counts all of it):
 *   16000 (127.0.0.1) LISTEN, 3 idle connections: 6 ESTABLISHED
 *   16001 (127.0.0.1) LISTEN, 2 clients that shut down writing: 2 FIN_WAIT2 + 2 CLOSE_WAIT
 *   16002 (127.0.0.1) LISTEN, 2 connections the client closes first: 2 TIME_WAIT
 *   16003 (::1)       LISTEN, 1 idle connection: 2 ESTABLISHED over IPv6
 *   16050 UDP bound (UNCONN), 16051 UDP connected to it (ESTABLISHED)
 */
const HOLDER = `
const net = require("net"), dgram = require("dgram");
const held = [];
const listen = (port, host, onConn) => new Promise((ok) => { const s = net.createServer({ allowHalfOpen: true }, (c) => { held.push(c); onConn(c); }); held.push(s); s.listen(port, host, ok); });
const dial = (port, host) => new Promise((ok) => { const c = net.connect({ port, host, allowHalfOpen: true }, () => ok(c)); held.push(c); });
(async () => {
  await listen(16000, "127.0.0.1", () => {});
  await listen(16001, "127.0.0.1", () => {});
  await listen(16002, "127.0.0.1", (c) => { c.resume(); c.on("end", () => c.end()); });
  await listen(16003, "::1", () => {});
  for (let i = 0; i < 3; i++) await dial(16000, "127.0.0.1");
  for (let i = 0; i < 2; i++) (await dial(16001, "127.0.0.1")).end();
  for (let i = 0; i < 2; i++) { const c = await dial(16002, "127.0.0.1"); c.resume(); c.on("end", () => c.destroy()); c.end(); }
  await dial(16003, "::1");
  const a = dgram.createSocket("udp4"); await new Promise((ok) => a.bind(16050, "127.0.0.1", ok));
  const b = dgram.createSocket("udp4"); await new Promise((ok) => b.bind(16051, "127.0.0.1", ok));
  await new Promise((ok) => b.connect(16050, "127.0.0.1", ok));
  held.push(a, b);
  console.log("ready");
  setTimeout(() => {}, 600000);
})();
`;

/** The holder's sockets by proto/family/state, counted by hand from HOLDER above. */
const HELD: Record<string, number> = {
  "tcp/ipv4/LISTEN": 3,
  "tcp/ipv6/LISTEN": 1,
  "tcp/ipv4/ESTABLISHED": 6,
  "tcp/ipv6/ESTABLISHED": 2,
  "tcp/ipv4/FIN_WAIT2": 2,
  "tcp/ipv4/CLOSE_WAIT": 2,
  "tcp/ipv4/TIME_WAIT": 2,
  "udp/ipv4/UNCONN": 1,
  "udp/ipv4/ESTABLISHED": 1,
};

let ns: Netns;
let prom: PrometheusHarness;
const query = (promql: string) => prom.query(promql);

beforeAll(async () => {
  if (!PROMETHEUS) return;
  ns = createNetns();
  prom = new PrometheusHarness(ns);
  prom.spawn("holder", process.execPath, ["-e", HOLDER]);
  await prom.until("the holder's sockets", () => (prom.logs.holder!.includes("ready") ? true : undefined), 30_000);
  // The closes it began settle in the kernel a moment later (FIN_WAIT2, CLOSE_WAIT, TIME_WAIT).
  await prom.until("ss to count what the holder made", () => (sameCounts(ssCounts(ns, SS_FILTER), new Map(Object.entries(HELD))) ? true : undefined), 30_000);
  prom.spawn("serve", process.execPath, [BIN, "serve", "--listen", "127.0.0.1:9717", "-tu", "--port", PORTS]);
  prom.start({ scrapeInterval: "2s", targets: ["127.0.0.1:9717"] });
  await prom.until("a successful scrape", () => (query('up{job="tcpstat"}')[0]?.value[1] === "1" ? true : undefined));
}, 120_000);

afterAll(() => {
  prom?.stop();
  ns?.close();
});

describe.skipIf(!PROMETHEUS)(`a real Prometheus scraping tcpstat serve${PROMETHEUS ? "" : " (skipped: prometheus not installed; apt-get install prometheus, as .ci/run does)"}`, () => {
  it("holds tcpstat_sockets equal to ss's counts, series by series", async () => {
    let result: { ss: Map<string, number>; series: Series[] } | undefined;
    for (let attempt = 0; attempt < 5 && !result; attempt++) {
      const before = ssCounts(ns, SS_FILTER);
      // Every series from a scrape that began after `before` was counted.
      const since = Date.now() / 1000;
      await prom.until("a scrape after ss counted", () => (Number(query("min(timestamp(tcpstat_sockets))")[0]?.value[1]) > since ? true : undefined));
      const series = query("tcpstat_sockets");
      const after = ssCounts(ns, SS_FILTER);
      if (sameCounts(before, after)) result = { ss: before, series };
    }
    expect(result, "ss counts kept moving").toBeDefined();
    const { ss, series } = result!;
    expect(series).toHaveLength(2 * 11 + 2 * 2);
    for (const s of series) {
      const key = `${s.metric.proto}/${s.metric.family}/${s.metric.state}`;
      expect(Number(s.value[1]), key).toBe(ss.get(key) ?? 0);
      expect(s.metric).toMatchObject({ job: "tcpstat", instance: "127.0.0.1:9717" });
    }
    // and both equal what the holder made, counted by hand
    expect(Object.fromEntries(ss)).toEqual(HELD);
  });

  it("holds the kernel counters and the collection time too", () => {
    // the holder opened 3 + 2 + 2 + 1 connections in this namespace; the scrapes opened more
    expect(Number(query("tcpstat_tcp_active_opens_total")[0]?.value[1])).toBeGreaterThanOrEqual(8);
    const seconds = Number(query("tcpstat_collection_duration_seconds")[0]?.value[1]);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(10);
    expect(prom.logs.serve).toContain("serving aggregate metrics on http://127.0.0.1:9717/metrics");
  });
});
