import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { PROMTOOL, parseSamples, promtoolCheck, select, value } from "../format/prometheus-text.js";

/** A /proc/net/tcp captured elsewhere (see ../shared/fixtures-real/PROVENANCE.md); never copied here. */
const CAPTURE = fileURLToPath(new URL("../../../shared/fixtures-real/linux/proc-net-tcp-x86_64-jc.txt", import.meta.url));

/** `tcpstat metrics` options: --output for node_exporter's textfile collector, selection, bad values. */

let ns: Netns;
let dir: string;
beforeAll(() => {
  ns = createNetns();
  dir = mkdtempSync(join(tmpdir(), "tcpstat-metrics-"));
});
afterAll(() => {
  ns?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("tcpstat metrics", () => {
  it("--output writes the file whole, world-readable, leaving no temporary file", () => {
    const file = join(dir, "tcpstat.prom");
    for (let i = 0; i < 2; i++) {
      const r = runTcpstat(["metrics", "--output", file], { netns: ns });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe("");
    }
    expect(readdirSync(dir)).toEqual(["tcpstat.prom"]);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    const text = readFileSync(file, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    expect(select(parseSamples(text), "tcpstat_sockets")).toHaveLength(26);
    if (PROMTOOL) expect(promtoolCheck(text)).toEqual({ status: 0, output: "" });
  });

  it("--output into a missing directory fails with one line and exit 1", () => {
    const r = runTcpstat(["metrics", "--output", join(dir, "missing", "x.prom")], { netns: ns });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`tcpstat: cannot write ${join(dir, "missing", "x.prom")}: ENOENT; create the directory first, or give another --output path\n`);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("counts TCP and UDP by default; -t narrows to TCP", () => {
    const both = parseSamples(runTcpstat(["metrics"], { netns: ns }).stdout);
    expect(new Set(select(both, "tcpstat_sockets").map((s) => s.labels.proto))).toEqual(new Set(["tcp", "udp"]));
    const tcp = parseSamples(runTcpstat(["metrics", "-t", "-4"], { netns: ns }).stdout);
    expect(select(tcp, "tcpstat_sockets")).toHaveLength(11);
  });

  it("rejects a bad --top with exit 2", () => {
    const r = runTcpstat(["metrics", "--top", "ten"], { netns: ns });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("tcpstat: bad --top 'ten'; give how many processes get their own series, 1-10000 (default 10)\n");
  });

  it.skipIf(!existsSync(CAPTURE))(`--input replays a capture${existsSync(CAPTURE) ? "" : " (skipped: ../shared/fixtures-real is absent)"}`, () => {
    const r = runTcpstat(["metrics", "--input", CAPTURE]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("tcpstat: kernel counters left out: a replayed capture has none\n");
    const samples = parseSamples(r.stdout);
    // counted by hand from the capture's st column: 01 x1, 04 x6, 06 x15, 08 x1, 0A x4
    const nonZero = select(samples, "tcpstat_sockets").filter((s) => s.value > 0).map((s) => `${s.labels.family}/${s.labels.state}=${s.value}`);
    expect(nonZero).toEqual(["ipv4/ESTABLISHED=1", "ipv4/FIN_WAIT1=6", "ipv4/TIME_WAIT=15", "ipv4/CLOSE_WAIT=1", "ipv4/LISTEN=4"]);
    // listeners 0035, 0277, 0016 and 89E7 in hex
    expect(select(samples, "tcpstat_listening_sockets").map((s) => s.labels.port)).toEqual(["22", "53", "631", "35303"]);
    expect(value(samples, "tcpstat_tcp_active_opens_total")).toBeUndefined();
  });
});
