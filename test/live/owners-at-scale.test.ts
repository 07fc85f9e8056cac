import { fileURLToPath } from "node:url";
import { Chalk } from "chalk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import type { SocketRecord } from "../../src/model/socket.js";
import { renderTable } from "../../src/format/table.js";
import { nodeComm } from "../helpers/comm.js";
import { SS_STATES, ssLines, ssStateCounts } from "./reference-tools.js";

/**
 * Past a few thousand sockets the owner scan runs in a worker thread, overlapped with
 * reading /proc/net, and stops once every socket has its process. With 4000 real
 * connections (8000 sockets, some half-closed, some over IPv6) held by two processes in a
 * fresh namespace, every socket's owner must be the one `ss -tanp` names.
 */
const WORKER = fileURLToPath(new URL("../../bench/load-worker.mjs", import.meta.url));
let ns: Netns;
const loadPids: number[] = [];

beforeAll(async () => {
  ns = createNetns();
  for (const port of [21001, 21002]) {
    const child = ns.spawn(process.execPath, [WORKER, "--port", String(port), "--conns", "2000", "--v6", "0.25", "--half", "0.1", "--ttl", "600"]);
    await lineFrom(child, "load process", /^ready (\d+)\n/m);
  }
  for (const line of ns.run("ss", ["-tlnpH"]).stdout.split("\n")) {
    const pid = /pid=(\d+)/.exec(line)?.[1];
    if (pid && !loadPids.includes(Number(pid))) loadPids.push(Number(pid));
  }
}, 60_000);
afterAll(() => ns?.close());

/** "127.0.0.1:20001" or "[::1]:20001" -> the same key for ss and tcpstat. */
const key = (local: string, remote: string) => `${local} ${remote}`;
/** A record's local and remote endpoints written as ss writes them ("[::1]:20001", "0.0.0.0:*"). */
const ssEndpoints = (r: SocketRecord): [local: string, remote: string] => {
  const host = (a: string | null) => (r.family === "ipv6" ? `[${a ?? "::"}]` : (a ?? "0.0.0.0"));
  return [`${host(r.localAddress)}:${r.localPort}`, `${host(r.remoteAddress)}:${r.remotePort ?? "*"}`];
};

describe("owners of 8000 sockets (worker-thread scan)", () => {
  it("match ss -tanp socket by socket", () => {
    const ss = new Map<string, number>();
    for (const line of ns.run("ss", ["-tanpH"]).stdout.split("\n")) {
      const f = line.trim().split(/\s+/);
      const pid = /pid=(\d+)/.exec(line)?.[1];
      if (f.length >= 5 && pid) ss.set(key(f[3]!, f[4]!), Number(pid));
    }
    const result = runTcpstat(["-t", "--json"], { netns: ns });
    expect(result.status).toBe(0);
    const records = JSON.parse(result.stdout) as SocketRecord[];
    const withInode = records.filter((r) => r.inode !== null);
    expect(withInode.length).toBeGreaterThanOrEqual(8000);
    expect(loadPids).toHaveLength(2);

    let compared = 0;
    for (const r of withInode) {
      const [local, remote] = ssEndpoints(r);
      const expected = ss.get(key(local, remote));
      if (expected === undefined) continue;
      expect([local, remote, r.pid, r.process]).toEqual([local, remote, expected, nodeComm()]);
      compared++;
    }
    // Every socket with an inode was found in ss's output and compared.
    expect(compared).toBe(withInode.length);
    expect(new Set(withInode.map((r) => r.pid))).toEqual(new Set(loadPids));
  });
});

/**
 * Without owners, past the same few thousand sockets the tables are read by threads of their
 * own while the main thread parses (read-ahead.ts), and --json / --ndjson are written as
 * they are parsed. Every socket ss lists must come out once, with its state, in both formats
 * and in summary's counts.
 */
describe("8000 sockets without owners (tables read ahead, records streamed)", () => {
  const ssSockets = () => {
    const sockets = new Map<string, string>();
    for (const line of ssLines(ns, ["-tanH"])) {
      const f = line.split(/\s+/);
      if (f.length >= 5) sockets.set(key(f[3]!, f[4]!), SS_STATES[f[0]!] ?? f[0]!);
    }
    return sockets;
  };
  const asSs = (records: SocketRecord[]) =>
    new Map(records.map((r) => [key(...ssEndpoints(r)), r.state ?? ""]));

  it("--json and --ndjson list what ss -tan lists, each socket once", () => {
    const json = runTcpstat(["-t", "--json", "--no-owners"], { netns: ns });
    const ndjson = runTcpstat(["-t", "--ndjson", "--no-owners"], { netns: ns });
    expect([json.status, ndjson.status, json.stderr, ndjson.stderr]).toEqual([0, 0, "", ""]);
    const fromJson = JSON.parse(json.stdout) as SocketRecord[];
    const fromNdjson = ndjson.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as SocketRecord);
    const ss = ssSockets();
    expect(fromJson.length).toBeGreaterThanOrEqual(8000);
    for (const records of [fromJson, fromNdjson]) {
      expect(records.every((r) => r.pid === null && r.process === null && r.user === "root")).toBe(true);
      const mine = asSs(records);
      expect(mine.size).toBe(records.length); // no socket twice
      expect(mine).toEqual(ss);
    }
  });

  it("the table lists what ss -tan lists, each socket once, as renderTable draws those records", async () => {
    const table = runTcpstat(["-t", "--no-owners"], { netns: ns });
    const json = runTcpstat(["-t", "--json", "--no-owners"], { netns: ns });
    expect([table.status, table.stderr]).toEqual([0, ""]);
    const [head, ...lines] = table.stdout.trimEnd().split("\n");
    expect(head).toMatch(/^Proto +Recv-Q +Send-Q +Local Address +Foreign Address +State +PID\/Program$/);
    const mine = new Map(lines.map((line) => line.split(/ +/)).map((f) => [key(f[3]!, f[4]!), f[5]!]));
    expect(mine.size).toBe(lines.length); // no socket twice
    expect(mine).toEqual(ssSockets());
    // The records path (renderTable, as with owners or --input) draws the same text.
    let drawn = "";
    for await (const chunk of renderTable(JSON.parse(json.stdout) as SocketRecord[], { chalk: new Chalk({ level: 0 }) })) drawn += chunk;
    expect(table.stdout).toBe(drawn);
  });

  it("-i's table, its ss begun before the CLI loads, lists the sockets the table without -i lists", () => {
    // -t -i --no-owners begins `ss -tainHO` in src/start.ts; -v keeps the route but not the early start.
    const early = runTcpstat(["-t", "-i", "--no-owners"], { netns: ns });
    const late = runTcpstat(["-t", "-i", "--no-owners", "-v"], { netns: ns });
    const plain = runTcpstat(["-t", "--no-owners"], { netns: ns });
    expect([early.status, early.stderr, late.status, plain.status]).toEqual([0, "", 0, 0]);
    expect(late.stderr).toMatch(/ran \S+\/ss -tainHO/);
    // Local, peer and state, as the plain table has them: the -i cells move between runs.
    const rows = (out: string) => out.trimEnd().split("\n").slice(1).map((line) => line.split(/ +/).slice(0, 6).join(" "));
    const expected = rows(plain.stdout);
    expect(rows(early.stdout).length).toBeGreaterThanOrEqual(8000);
    expect(rows(early.stdout)).toEqual(expected);
    expect(rows(late.stdout)).toEqual(expected);
    // Begun early, not taken: a value the run refuses ends it at once.
    const refused = runTcpstat(["-t", "-i", "--no-owners", "--state", "nonsense"], { netns: ns });
    expect([refused.status, refused.stdout]).toEqual([2, ""]);
    expect(refused.stderr).toMatch(/^tcpstat: .*nonsense/);
  });

  it("a run that started reading early and never used it ends at once (usage error, owners after all)", () => {
    // An unknown option: commander refuses it, and the early reading, by its definitions, starts nothing.
    const started = Date.now();
    const bad = runTcpstat(["summary", "--bogus"], { netns: ns });
    expect([bad.status, bad.stdout]).toEqual([2, ""]);
    expect(bad.stderr).toMatch(/^tcpstat: .*--bogus/);
    // A value only summary checks: the bin started a reader for summary (src/early-read.ts), never taken.
    const refused = runTcpstat(["summary", "--by", "nonsense"], { netns: ns });
    expect([refused.status, refused.stdout]).toEqual([2, ""]);
    expect(refused.stderr).toMatch(/^tcpstat: unknown grouping 'nonsense'/);
    // `metrics` reads with owners: a guess is never taken, and the run still ends normally.
    const metrics = runTcpstat(["--no-owners", "--format", "prometheus"], { netns: ns });
    expect(metrics.status).toBe(0);
    expect(metrics.stdout).toContain('tcpstat_sockets{proto="tcp",family="ipv4",state="ESTABLISHED"}');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("summary counts each state as ss does", () => {
    const result = runTcpstat(["summary", "--json"], { netns: ns });
    expect(result.status).toBe(0);
    const counts = ssStateCounts(ns);
    const { tcp } = JSON.parse(result.stdout) as { tcp: { total: number; states: Record<string, number> } };
    expect(Object.fromEntries(Object.entries(tcp.states).filter(([, n]) => n > 0))).toEqual(counts);
    expect(tcp.total).toBeGreaterThanOrEqual(8000);
  });
});
