import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { runTcpstat } from "../helpers/cli.js";
import { DoctorReportSchema, SummarySchema, type DoctorReport } from "../../src/model/report.js";

/**
 * Namespaces judged apart, and doctor's hints read where the sockets are. Two named
 * namespaces (ip netns add) each hold 600 TIME_WAIT sockets toward their own
 * 127.0.0.1:18081; the first also holds a listener whose accept queue is full, the second
 * FIN_WAIT2 sockets whose other end (CLOSE_WAIT) a local "leaky-server" holds.
 */

const SCENARIOS = fileURLToPath(new URL("./doctor-scenarios.py", import.meta.url));
const A = `i14-docA-${process.pid}`;
const B = `i14-docB-${process.pid}`;
const PORT = 18_081;
const ACCEPT_PORT = 18_082;
const FIN_PORT = 18_083;
const children: ChildProcess[] = [];

async function scenario(ns: string, args: string[]): Promise<void> {
  const child = spawn("ip", ["netns", "exec", ns, "python3", SCENARIOS, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  await lineFrom(child, `${args[0]} in ${ns}`, /^(ready)\n/m);
}

beforeAll(async () => {
  for (const ns of [A, B]) {
    expect(spawnSync("ip", ["netns", "add", ns]).status).toBe(0);
    spawnSync("ip", ["-n", ns, "link", "set", "lo", "up"]);
  }
  await Promise.all([
    scenario(A, ["timewait", String(PORT), "600"]),
    scenario(B, ["timewait", String(PORT), "600"]),
    scenario(A, ["acceptq", String(ACCEPT_PORT), "5", "8"]),
    scenario(B, ["finwait", String(FIN_PORT), "3"]),
  ]);
}, 60_000);

afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  for (const ns of [A, B]) spawnSync("ip", ["netns", "del", ns]);
});

const doctor = (args: string[]): DoctorReport => {
  const r = runTcpstat(["doctor", "-i", "0", "--json", ...args]);
  expect([0, 3], r.stderr).toContain(r.status);
  return DoctorReportSchema.parse(JSON.parse(r.stdout));
};
const ours = (report: DoctorReport) => report.findings.filter((f) => f.netns?.name === A || f.netns?.name === B);

describe("doctor -N all judges each namespace apart", () => {
  it("600 TIME_WAIT in each of two namespaces: no finding at the threshold of 1000, where the sum is 1200", () => {
    const report = doctor(["-N", "all"]);
    expect(ours(report).filter((f) => f.rule === "time-wait")).toEqual([]);
    for (const f of report.findings) expect(f.netns).toBeDefined();
  });

  it("below 600, one finding a namespace, each naming it", () => {
    const found = ours(doctor(["-N", "all", "--threshold", "time-wait=500"])).filter((f) => f.rule === "time-wait" && f.count >= 600);
    expect(found.map((f) => [f.netns!.name, f.count]).sort()).toEqual([
      [A, 600],
      [B, 600],
    ]);
  });

  it("summary --by port -N all: one row a namespace, each naming it", () => {
    const r = runTcpstat(["summary", "--by", "port", "-N", "all", "--json", "--top", "100000"]);
    const summary = SummarySchema.parse(JSON.parse(r.stdout));
    const rows = summary.by!.top.filter((g) => g.key === String(PORT) && (g.netns?.name === A || g.netns?.name === B));
    expect(rows.map((g) => [g.netns!.name, g.states.TIME_WAIT]).sort()).toEqual([
      [A, 600],
      [B, 600],
    ]);
    const text = runTcpstat(["summary", "--by", "port", "-N", "all", "--top", "100000"]).stdout;
    expect(text).toMatch(new RegExp(`^${A}\\s+${PORT}\\s+60\\d`, "m"));
  });

  it("metrics -N all: each namespace's process series apart", () => {
    const text = runTcpstat(["metrics", "-N", "all", "--top", "10000"]).stdout;
    expect(text).toMatch(new RegExp(`^tcpstat_process_sockets\\{netns="${B}",process="leaky-server"\\} 4$`, "m"));
    expect(text).toMatch(new RegExp(`^tcpstat_process_sockets\\{netns="${B}",process="fin-client"\\} 3$`, "m"));
  });
});

describe("doctor's hints, read in the namespace inspected", () => {
  it("a full accept queue: the backlog read with ss inside the namespace, somaxconn read", () => {
    const somaxconn = spawnSync("ip", ["netns", "exec", A, "cat", "/proc/sys/net/core/somaxconn"], { encoding: "utf8" }).stdout.trim();
    const [finding] = doctor(["-N", A]).findings.filter((f) => f.rule === "accept-queue" && f.port === ACCEPT_PORT);
    expect(finding, "accept-queue finding").toBeDefined();
    expect(finding!.netns!.name).toBe(A);
    expect(finding!.title).toMatch(/: 6 waiting, backlog 5$/);
    const evidence = finding!.evidence.join("\n");
    expect(evidence).not.toMatch(/install ss|unknown/);
    expect(evidence).toContain(`net.core.somaxconn=${somaxconn} `);
  });

  it("FIN_WAIT2 toward a local process names the program holding the CLOSE_WAIT end", () => {
    const pid = spawnSync("ip", ["netns", "pids", B], { encoding: "utf8" })
      .stdout.trim()
      .split("\n")
      .find((p) => spawnSync("cat", [`/proc/${p}/comm`], { encoding: "utf8" }).stdout.trim() === "leaky-server");
    const [finding] = doctor(["-N", B, "--threshold", "fin-wait2=1"]).findings.filter((f) => f.rule === "fin-wait2");
    expect(finding, "fin-wait2 finding").toBeDefined();
    expect(finding!.title).toContain(`(leaky-server, pid ${pid}) to close, held by fin-client (pid `);
    expect(finding!.title).not.toMatch(/\(\S+ \(pid \d+\)\)/); // no doubled brackets
    expect(finding!.evidence.join("\n")).toContain(`the other end is on this host: 3 sockets in CLOSE_WAIT (3), held by leaky-server (pid ${pid}) (3)`);
    expect(finding!.evidence.join("\n")).toContain("does not apply: none is orphaned");
    expect(finding!.fix).toMatch(new RegExp(`^Fix leaky-server \\(pid ${pid}\\), which holds the other end in CLOSE_WAIT,`));
  });
});
