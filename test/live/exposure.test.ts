import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { SocketRecordSchema } from "../../src/model/socket.js";
import { DoctorReportSchema } from "../../src/model/report.js";

/**
 * What a listener answers on, live: listeners on loopback (v4 and v6), 0.0.0.0, [::] dual-stack
 * and v6-only, a private address, a unique-local IPv6 address and a public one (the last three on
 * a dummy interface, or a veth where the dummy module is missing) in a fresh namespace; the v6only flag each [::] socket has is read back from
 * `ss -tlnHe`. doctor flags a database port on 0.0.0.0 and keeps quiet for it on 127.0.0.1.
 */

const HELPER = fileURLToPath(new URL("./exposure-listeners.py", import.meta.url));
const LISTENERS: Array<[spec: string, port: number, exposure: string]> = [
  ["127.0.0.1:19001", 19001, "loopback"],
  ["[::1]:19002", 19002, "loopback"],
  ["0.0.0.0:5432", 5432, "all"],
  ["[::]:19004:dual", 19004, "all"],
  ["[::]:19005:v6only", 19005, "all-ipv6"],
  ["10.19.0.5:3306", 3306, "private"],
  ["[fd19::5]:19007", 19007, "private"],
  ["198.51.100.7:6379", 6379, "public"],
];

let ns: Netns;
let quiet: Netns;

async function hold(n: Netns, specs: string[]): Promise<void> {
  await lineFrom(n.spawn("python3", [HELPER, ...specs]), "listeners", /^ready\n/m);
}

beforeAll(async () => {
  ns = createNetns();
  for (const cmd of [
    // A dummy interface where the kernel has the module; else one end of a veth pair (as Docker's).
    ns.run("ip", ["link", "add", "i19d0", "type", "dummy"]).status === 0 ? ["link", "show", "i19d0"] : ["link", "add", "i19d0", "type", "veth", "peer", "name", "i19d1"],
    ["link", "set", "i19d0", "up"],
    ["addr", "add", "10.19.0.5/24", "dev", "i19d0"],
    ["addr", "add", "198.51.100.7/24", "dev", "i19d0"],
    ["-6", "addr", "add", "fd19::5/64", "dev", "i19d0", "nodad"],
  ]) {
    const r = ns.run("ip", cmd);
    if (r.status !== 0) throw new Error(`ip ${cmd.join(" ")}: ${r.stderr}`);
  }
  await hold(ns, LISTENERS.map(([spec]) => spec));
  quiet = createNetns();
  await hold(quiet, ["127.0.0.1:5432", "[::1]:6379"]);
}, 60_000);

afterAll(() => {
  ns?.close();
  quiet?.close();
});

describe("exposure of listeners", () => {
  it("ss agrees on which [::] listener is v6-only (the fact read from it)", () => {
    const ss = ns.run("ss", ["-tlnHe"]).stdout;
    expect(ss).toMatch(/\*:19004 .* v6only:0/);
    expect(ss).toMatch(/\[::\]:19005 .* v6only:1/);
  });

  it("--json gives each listener its exposure, and the records fit the schema", () => {
    const r = runTcpstat(["-l", "--json"], { netns: ns });
    expect(r.status, r.stderr).toBe(0);
    const records = (JSON.parse(r.stdout) as unknown[]).map((x) => SocketRecordSchema.parse(x));
    const byPort = new Map(records.map((x) => [x.localPort, x.exposure]));
    expect(Object.fromEntries(byPort)).toEqual(Object.fromEntries(LISTENERS.map(([, port, e]) => [port, e])));
  });

  it("tcpstat -l shows an Exposure column; without -l it appears with --exposure only", () => {
    const r = runTcpstat(["-l"], { netns: ns });
    expect(r.status, r.stderr).toBe(0);
    const [head, ...rows] = r.stdout.trim().split("\n");
    expect(head).toMatch(/State\s+Exposure\s+PID\/Program/);
    for (const [, port, exposure] of LISTENERS) {
      const row = rows.find((l) => l.split(/\s+/)[3]!.endsWith(`:${port}`));
      expect(row, `row for port ${port}`).toMatch(new RegExp(`LISTEN\\s+${exposure}\\s+\\d+/python3`));
    }
    expect(runTcpstat([], { netns: ns }).stdout).not.toContain("Exposure");
    expect(runTcpstat(["--exposure"], { netns: ns }).stdout.split("\n")[0]).toContain("Exposure");
  });

  it("--exposed keeps the listeners on all interfaces or a public address", () => {
    const r = runTcpstat(["--exposed", "--json"], { netns: ns });
    expect(r.status, r.stderr).toBe(0);
    const ports = (JSON.parse(r.stdout) as Array<{ localPort: number }>).map((x) => x.localPort).sort((a, b) => a - b);
    expect(ports).toEqual([5432, 6379, 19004, 19005]);
    const counted = runTcpstat(["summary", "--exposed", "--json"], { netns: ns });
    expect(JSON.parse(counted.stdout).total).toBe(4);
  });

  it("doctor flags PostgreSQL on 0.0.0.0 and Redis on a public address, not MySQL on a private one", () => {
    const r = runTcpstat(["doctor", "--json", "--interval", "0"], { netns: ns });
    const report = DoctorReportSchema.parse(JSON.parse(r.stdout));
    const exposed = report.findings.filter((f) => f.rule === "exposed-service");
    expect(exposed.map((f) => f.port).sort()).toEqual([5432, 6379]);
    const pg = exposed.find((f) => f.port === 5432)!;
    expect(pg.process).toBe("python3");
    expect(pg.evidence.join("\n")).toMatch(/held by python3 \(pid \d+\)/);
    expect(runTcpstat(["doctor", "--interval", "0"], { netns: ns }).stdout).toContain("PostgreSQL port 5432 listens on every interface");
  });

  it("doctor stays quiet for the same ports on loopback", () => {
    const r = runTcpstat(["doctor", "--json", "--interval", "0"], { netns: quiet });
    const report = DoctorReportSchema.parse(JSON.parse(r.stdout));
    expect(report.findings.filter((f) => f.rule === "exposed-service")).toEqual([]);
    expect(runTcpstat(["-l", "--json"], { netns: quiet }).stdout).toContain('"exposure":"loopback"');
  });
});
