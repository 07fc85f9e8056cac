import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { sameCounts, ssCounts } from "./prometheus-ss-counts.js";

/**
 * The "done when": a real Prometheus (Debian's prometheus binary), started here on
 * loopback inside a fresh namespace with a 2 s scrape interval and a temporary config and
 * storage, scrapes `tcpstat serve` there; its query API returns, series by series, what ss
 * counts. The sockets are held by a small script (HOLDER) on ports 16000-16999, and only
 * those ports are counted on both sides, so the scrape and query connections themselves do
 * not move the numbers. (The every-state scenario cannot host this: it blackholes lo.)
 */

const PROMETHEUS = spawnSync("sh", ["-c", "command -v prometheus"], { encoding: "utf8" }).stdout.trim() || null;
const PORTS = "16000-16999";
const SS_FILTER = ["( sport >= :16000 and sport <= :16999 ) or ( dport >= :16000 and dport <= :16999 )"];

/**
 * Holds, then prints "ready":
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
  setTimeout(() => console.log("ready"), 500);
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
let dir: string | undefined;
const children: ChildProcess[] = [];
const logs = { holder: "", serve: "", prometheus: "" };

interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

function query(promql: string): Series[] {
  const url = `http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent(promql)}`;
  // While its storage starts, Prometheus answers 503 "Service Unavailable" in plain text: that
  // is "not yet" (the callers poll), like a refused connection, not a broken answer.
  const script = `fetch(${JSON.stringify(url)}).then((r) => { if (!r.ok) process.exit(3); return r.text(); }).then((t) => console.log(t), (e) => { console.error(String(e.cause ?? e)); process.exit(1); })`;
  const r = ns.run(process.execPath, ["-e", script]);
  if (r.status !== 0) return [];
  const body = JSON.parse(r.stdout) as { status: string; data: { result: Series[] } };
  return body.status === "success" ? body.data.result : [];
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline)
      throw new Error(`${what} did not happen in ${timeoutMs} ms\nholder: ${logs.holder}\nserve: ${logs.serve}\nprometheus: ${logs.prometheus.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function start(name: keyof typeof logs, cmd: string, args: string[]): ChildProcess {
  const child = ns.spawn(cmd, args);
  children.push(child);
  child.stdout!.on("data", (d) => (logs[name] += d));
  child.stderr!.on("data", (d) => (logs[name] += d));
  return child;
}

beforeAll(async () => {
  if (!PROMETHEUS) return;
  ns = createNetns();
  start("holder", process.execPath, ["-e", HOLDER]);
  await until("the holder's sockets", () => (logs.holder.includes("ready") ? true : undefined), 30_000);
  dir = mkdtempSync(join(tmpdir(), "tcpstat-prometheus-"));
  const config = ["global:", "  scrape_interval: 2s", "  scrape_timeout: 2s", "scrape_configs:", "  - job_name: tcpstat", "    static_configs:", '      - targets: ["127.0.0.1:9717"]', ""];
  writeFileSync(join(dir, "prometheus.yml"), config.join("\n"));
  start("serve", process.execPath, [BIN, "serve", "--listen", "127.0.0.1:9717", "-tu", "--port", PORTS]);
  start("prometheus", PROMETHEUS, [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, "--web.listen-address=127.0.0.1:9090"]);
  await until("a successful scrape", () => (query('up{job="tcpstat"}')[0]?.value[1] === "1" ? true : undefined));
}, 120_000);

afterAll(() => {
  for (const child of children) child.kill("SIGTERM");
  ns?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!PROMETHEUS)(`a real Prometheus scraping tcpstat serve${PROMETHEUS ? "" : " (skipped: prometheus not installed; apt-get install prometheus, as .ci/run does)"}`, () => {
  it("holds tcpstat_sockets equal to ss's counts, series by series", async () => {
    let result: { ss: Map<string, number>; series: Series[] } | undefined;
    for (let attempt = 0; attempt < 5 && !result; attempt++) {
      const before = ssCounts(ns, SS_FILTER);
      await new Promise((r) => setTimeout(r, 4500)); // two scrapes, both after `before`
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
    expect(logs.serve).toContain("serving aggregate metrics on http://127.0.0.1:9717/metrics");
  });
});
