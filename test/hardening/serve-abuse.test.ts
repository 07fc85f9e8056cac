import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { untilServing } from "../helpers/serve.js";

/**
 * `tcpstat serve` against local users who try to keep Prometheus from scraping or make it
 * grow (issue 22, item 4), in a fresh network namespace: 40 connections that send nothing,
 * reopened as they are dropped, and 32 clients that ask for /metrics and never read the
 * answer. A scrape must still get its whole 200 through all of it (the response is big:
 * --detailed over a replayed /proc/net/tcp of 20,000 sockets, 10 MB).
 */
const ROWS = 20_000;
let ns: Netns;
let dir: string;
let serve: ChildProcess;
let responseBytes = 0;

/** Idle holders and non-readers, then scrapes; prints one JSON line of what each scrape got. */
const ABUSE = String.raw`
const net = require("node:net");
const port = 9719;
let stop = false;
// Resolves once connected; reopens itself whenever serve drops it.
const idle = () => new Promise((resolve) => { if (stop) return resolve(); const s = net.connect(port, "127.0.0.1", resolve); s.on("error", () => {}); s.on("close", () => { resolve(); setImmediate(idle); }); });
const scrape = () => fetch("http://127.0.0.1:" + port + "/metrics").then(async (r) => [r.status, (await r.arrayBuffer()).byteLength]).catch((e) => [String(e.cause?.code ?? e.message), 0]);
(async () => {
  const mode = process.argv[1];
  if (mode === "idle") await Promise.all(Array.from({ length: 40 }, idle));
  if (mode === "nonreading") {
    // Each reads the first bytes of its answer (the collection is done, the answer started), then nothing more.
    await Promise.all(Array.from({ length: 32 }, () => new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => s.write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
      s.on("error", () => {});
      s.once("data", () => { s.pause(); resolve(); });
    })));
  }
  const got = [];
  for (let i = 0; i < 5; i++) got.push(await scrape());
  stop = true;
  console.log(JSON.stringify(got));
  process.exit(0);
})();
`;

function capture(rows: number): string {
  const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, "0");
  const lines = ["  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"];
  for (let i = 0; i < rows; i++)
    lines.push(`${String(i).padStart(4)}: 0100007F:${hex(10000 + (i % 50000), 4)} 0200007F:${hex(1024 + i, 4)} 01 00000000:00000000 00:00000000 00000000     0        0 ${100000 + i} 1 0000000000000000 20 4 30 10 -1`);
  return `${lines.join("\n")}\n`;
}

beforeAll(async () => {
  ns = createNetns();
  dir = mkdtempSync(join(tmpdir(), "tcpstat-serve-abuse-"));
  writeFileSync(join(dir, "tcp"), capture(ROWS));
  serve = ns.spawn(process.execPath, [BIN, "serve", "-q", "--listen", "127.0.0.1:9719", "--detailed", "--input", join(dir, "tcp")], { env: { ...process.env, NO_COLOR: "1" } });
  await untilServing(serve);
  // A few plain scrapes first: the peak RSS of serving as usual, and the size of one response.
  const plain = ns.run(process.execPath, ["-e", "(async () => { for (let i = 0; i < 3; i++) console.log((await (await fetch('http://127.0.0.1:9719/metrics')).arrayBuffer()).byteLength); })()"]);
  responseBytes = Number(plain.stdout.trim().split("\n")[0]);
});

afterAll(() => {
  serve?.kill("SIGKILL");
  ns?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("serve under abusive clients", () => {
  it("40 connections that send nothing, reopened as they go, do not keep a scrape out", () => {
    const r = ns.run(process.execPath, ["-e", ABUSE, "idle"], { timeoutMs: 120_000 });
    expect(r.status, `${r.stderr} ${r.error ?? ""} ${r.signal}`).toBe(0);
    const got = JSON.parse(r.stdout) as [number | string, number][];
    expect(got.map(([status]) => status)).toEqual([200, 200, 200, 200, 200]);
    // Whole answers (their length moves by a byte or two with the collection's duration).
    for (const [, bytes] of got) expect(Math.abs(bytes - responseBytes)).toBeLessThan(100);
    expect(responseBytes).toBeGreaterThan(5_000_000);
  });

  it("32 clients that never read their answer do not keep a scrape out", () => {
    const r = ns.run(process.execPath, ["-e", ABUSE, "nonreading"], { timeoutMs: 120_000 });
    expect(r.status, `${r.stderr} ${r.error ?? ""} ${r.signal}`).toBe(0);
    expect(r.stdout, r.stderr).not.toBe("");
    const got = JSON.parse(r.stdout) as [number | string, number][];
    expect(got.map(([status]) => status)).toEqual([200, 200, 200, 200, 200]);
    for (const [, bytes] of got) expect(Math.abs(bytes - responseBytes)).toBeLessThan(100);
  });
});
