import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import { DoctorReportSchema, type DoctorReport, type Finding } from "../../src/model/report.js";
import { ssCount, startPathology, type Pathology } from "./pathology-helpers.js";

/**
 * Each pathology reproduced for real in a fresh namespace (pathology-scenarios.py), then
 * `tcpstat doctor` run inside it with its default thresholds: it must name the state, the
 * owning process and pid, the port, a cause and a fix, and exit 3; a healthy namespace
 * gets "no problems found" and exit 0. Counts are checked against ss in the same namespace.
 */

let current: Pathology | undefined;
afterEach(() => {
  current?.close();
  current = undefined;
});

function doctor(p: Pathology, args: string[] = []): { report: DoctorReport; status: number | null; stderr: string } {
  const r = runTcpstat(["doctor", "--json", ...args], { netns: p.ns });
  const report = DoctorReportSchema.parse(JSON.parse(r.stdout));
  return { report, status: r.status, stderr: r.stderr };
}

function finding(report: DoctorReport, rule: string): Finding {
  const found = report.findings.find((f) => f.rule === rule);
  if (!found) throw new Error(`no '${rule}' finding among: ${report.findings.map((f) => f.rule).join(", ") || "(none)"}`);
  return found;
}

describe("doctor on reproduced pathologies", () => {
  it("names the process leaking CLOSE_WAIT sockets", async () => {
    const p = (current = await startPathology("close-wait", 20));
    const { report, status } = doctor(p);
    expect(status).toBe(3);
    expect(report.healthy).toBe(false);
    const f = finding(report, "close-wait");
    expect(f.state).toBe("CLOSE_WAIT");
    expect(f.pid).toBe(p.info.pid);
    expect(f.process).toBe("leaky-server");
    expect(f.port).toBe(8080);
    expect(f.count).toBe(20);
    expect(ssCount(p.ns, ["state", "close-wait", "sport", "= :8080"])).toBe(20);
    expect(f.cause).toMatch(/close\(\)/);
    expect(f.fix).toMatch(/leaky-server/);

    // The same finding for a person: state, process and pid, port, cause and fix, exit 3.
    const text = runTcpstat(["doctor"], { netns: p.ns });
    expect(text.status).toBe(3);
    expect(text.stdout).toContain(`20 CLOSE_WAIT sockets piling up in leaky-server (pid ${p.info.pid}) on port 8080`);
    expect(text.stdout).toMatch(/likely cause: .*close\(\)/);
    expect(text.stdout).toMatch(/fix: Fix leaky-server/);
  });

  it("finds TIME_WAIT churn toward one peer and the client behind it", async () => {
    const p = (current = await startPathology("time-wait", 1200));
    const { report, status } = doctor(p);
    expect(status).toBe(3);
    const f = finding(report, "time-wait");
    expect(f.state).toBe("TIME_WAIT");
    expect(f.peer).toBe("127.0.0.1:9090");
    expect(f.port).toBe(9090);
    expect(f.count).toBe(ssCount(p.ns, ["state", "time-wait", "dst", "127.0.0.1:9090"]));
    expect(f.count).toBeGreaterThanOrEqual(1000);
    expect(f.pid).toBe(p.info.pid);
    expect(f.process).toBe("churn-client");
    expect(f.oldestTimerMs).toBeGreaterThan(0);
    expect(f.oldestTimerMs).toBeLessThanOrEqual(60_000);
    expect(f.fix).toMatch(/keep-alive|pool/);
  });

  it("finds half-open handshakes held by a deferred-accept listener", async () => {
    const p = (current = await startPathology("syn-recv", 150));
    const { report, status } = doctor(p);
    expect(status).toBe(3);
    const f = finding(report, "syn-recv");
    expect(f.state).toBe("SYN_RECV");
    expect(f.port).toBe(7070);
    expect(f.pid).toBe(p.info.pid);
    expect(f.process).toBe("defer-server");
    expect(f.count).toBe(ssCount(p.ns, ["state", "syn-recv", "sport", "= :7070"]));
    expect(f.count).toBe(150);
    expect(f.cause).toMatch(/TCP_DEFER_ACCEPT/);
    expect(f.fix).toMatch(/syncookies/);
  });

  it("finds a listener whose accept queue is full, with clients stuck in SYN_SENT and overflows counted", async () => {
    const p = (current = await startPathology("accept-queue", 6));
    const { report, status } = doctor(p);
    expect(status).toBe(3);
    const f = finding(report, "accept-queue");
    expect(f.state).toBe("LISTEN");
    expect(f.port).toBe(6060);
    expect(f.pid).toBe(p.info.pid);
    expect(f.process).toBe("stuck-server");
    // backlog 1: the kernel queues backlog + 1 = 2 connections (sk_acceptq_is_full is ">").
    expect(f.count).toBe(2);
    expect(f.title).toContain("backlog 1");
    const synSent = ssCount(p.ns, ["state", "syn-sent", "dst", "127.0.0.1:6060"]);
    expect(synSent).toBeGreaterThan(0);
    expect(f.evidence.join("\n")).toMatch(new RegExp(`\\d+ connection attempt\\(s\\) to port 6060 stuck in SYN_SENT`));
    // The SYNs dropped on the full queue are counted by the kernel, and `tcpstat stats` shows it.
    const stats = JSON.parse(runTcpstat(["stats", "--json"], { netns: p.ns }).stdout) as { counters: Array<{ name: string; value: number }> };
    const overflows = stats.counters.find((c) => c.name === "TcpExtListenOverflows")!.value;
    expect(overflows).toBeGreaterThan(0);
  });

  it("finds FIN_WAIT2 sockets waiting on a peer that never closes (and that peer's CLOSE_WAIT leak)", async () => {
    const p = (current = await startPathology("fin-wait2", 60));
    const { report, status } = doctor(p);
    expect(status).toBe(3);
    const f = finding(report, "fin-wait2");
    expect(f.state).toBe("FIN_WAIT2");
    expect(f.peer).toBe("127.0.0.1:5050");
    expect(f.port).toBe(5050);
    expect(f.pid).toBe(p.info.pid);
    expect(f.process).toBe("half-closer");
    expect(f.count).toBe(ssCount(p.ns, ["state", "fin-wait-2", "dst", "127.0.0.1:5050"]));
    expect(f.count).toBe(60);
    const leak = finding(report, "close-wait");
    // The accepted sockets live in the server's forked acceptor, also named silent-server.
    expect(readFileSync(`/proc/${leak.pid}/comm`, "utf8").trim()).toBe("silent-server");
    expect(leak.process).toBe("silent-server");
    expect(leak.port).toBe(5050);
  });

  it("finds LAST_ACK sockets whose peers vanished, and their retransmissions, naming the server", async () => {
    const p = (current = await startPathology("last-ack", 60));
    const { report, status } = doctor(p);
    expect(status).toBe(3);
    const f = finding(report, "last-ack");
    expect(f.state).toBe("LAST_ACK");
    expect(f.count).toBe(ssCount(p.ns, ["state", "last-ack", "sport", "= :2020"]));
    expect(f.count).toBe(60);
    expect(f.port).toBe(2020);
    // LAST_ACK sockets are orphans (the server closed them): the listener's owner is named.
    expect(f.pid).toBe(p.info.pid);
    expect(f.process).toBe("lonely-server");
    expect(f.title).toContain(`, server: lonely-server (pid ${p.info.pid})`);
    expect(f.oldestTimerMs).toBeGreaterThan(0);
    const r = finding(report, "retransmits");
    expect(r.state).toBe("LAST_ACK");
    expect(r.peer).toBe("127.0.0.1");
    expect(r.count).toBe(60);
    expect(r.pid).toBe(p.info.pid);
  });

  it("finds ephemeral ports nearly used up toward one destination", async () => {
    const p = (current = await startPathology("ephemeral", 9, [["sysctl", "-qw", "net.ipv4.ip_local_port_range=40000 40009"]]));
    const { report, status } = doctor(p);
    expect(status).toBe(3);
    const f = finding(report, "ephemeral");
    expect(f.count).toBe(9);
    expect(f.peer).toBe("127.0.0.1:4040");
    expect(f.port).toBe(4040);
    expect(f.pid).toBe(p.info.pid);
    expect(f.process).toBe("busy-client");
    expect(f.evidence[0]).toContain("40000-40009 (10 ports)");
  });

  it("says so and exits 0 on a healthy namespace", async () => {
    const p = (current = await startPathology("healthy"));
    const { report, status, stderr } = doctor(p);
    expect(status).toBe(0);
    expect(report.healthy).toBe(true);
    expect(report.findings).toEqual([]);
    expect(report.sockets).toBe(5); // listener + 2 connections, both ends
    expect(stderr).toBe("");
    const text = runTcpstat(["doctor"], { netns: p.ns });
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^tcpstat doctor: no problems found \(5 sockets checked/);
  });

  it("honours --threshold, works on a replayed capture, and rejects bad thresholds with a one-line usage error", async () => {
    const p = (current = await startPathology("close-wait", 20));
    const relaxed = doctor(p, ["--threshold", "close-wait=50", "--threshold", "fin-wait2=100"]);
    expect(relaxed.status).toBe(0);
    expect(relaxed.report.thresholds["close-wait"]).toBe(50);
    const bad = runTcpstat(["doctor", "--threshold", "close-wiat=5"], { netns: p.ns });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^tcpstat: unknown threshold 'close-wiat'; choose one of: close-wait, .*\n$/);
    // The same sockets replayed from an ss capture: the socket rules still apply; counters
    // and sysctls of the machine running doctor are not mixed in.
    const dir = mkdtempSync(join(tmpdir(), "tcpstat-doctor-"));
    try {
      const file = join(dir, "ss-tanp.txt");
      writeFileSync(file, p.ns.run("ss", ["-tanp"]).stdout);
      const replay = runTcpstat(["doctor", "--json", "--input", file]);
      expect(replay.status, replay.stderr).toBe(3);
      const report = DoctorReportSchema.parse(JSON.parse(replay.stdout));
      expect(finding(report, "close-wait")).toMatchObject({ pid: p.info.pid, process: "leaky-server", port: 8080, count: 20 });
      expect(report.notes).toEqual([
        "kernel counters and sysctls skipped with --input: they would describe this machine, not the capture",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const malformed = runTcpstat(["doctor", "--threshold", "close-wait"], { netns: p.ns });
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toContain("NAME=NUMBER");
  });
});
