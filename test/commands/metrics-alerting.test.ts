import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { PROMTOOL, parseSamples, promtoolCheck, select, value } from "../format/prometheus-text.js";

/**
 * The series the alert rules read (`tcpstat rules`): TCP connections by port, state and
 * process, and the ephemeral port range with its busiest destination, checked against ss on
 * real sockets in a fresh namespace whose ip_local_port_range is set to 10 ports.
 *
 * HOLDER (python3, so its process name differs from tcpstat's node): a server on
 * 127.0.0.1:17000 that never closes, 3 clients that shut down writing: 3 CLOSE_WAIT on the
 * server's side, 3 FIN_WAIT2 on the clients', each client on a port of the range.
 */
const HOLDER = `
import socket, sys, time
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 17000)); srv.listen(16)
held = []
for i in range(3):
    c = socket.create_connection(("127.0.0.1", 17000)); held.append(c)
    a, _ = srv.accept(); held.append(a)
    c.shutdown(socket.SHUT_WR)
print("ready", flush=True)
time.sleep(600)
`;

let ns: Netns;
let holder: ChildProcess;

beforeAll(async () => {
  ns = createNetns();
  const set = ns.run("sysctl", ["-w", "net.ipv4.ip_local_port_range=40000 40009"]);
  expect(set.status, set.stderr).toBe(0);
  holder = ns.spawn("python3", ["-c", HOLDER]);
  await new Promise<void>((resolve, reject) => {
    let out = "";
    holder.stdout!.on("data", (d) => (out += d) && out.includes("ready") && resolve());
    holder.once("exit", (code) => reject(new Error(`holder exited ${code}`)));
  });
});
afterAll(() => {
  holder?.kill("SIGKILL");
  ns?.close();
});

const ssCount = (filter: string) => ns.run("ss", ["-tanH", ...filter.split(" ")]).stdout.split("\n").filter(Boolean).length;

describe("tcpstat metrics: the series the alert rules read", () => {
  it("counts connections by port, side, state and process as ss does", () => {
    expect(ssCount("state close-wait sport = :17000")).toBe(3);
    const r = runTcpstat(["metrics", "-t"], { netns: ns });
    expect(r.status, r.stderr).toBe(0);
    const samples = parseSamples(r.stdout);
    expect(value(samples, "tcpstat_port_sockets", { side: "local", port: "17000", state: "CLOSE_WAIT", process: "python3" })).toBe(3);
    expect(value(samples, "tcpstat_port_sockets", { side: "remote", port: "17000", state: "FIN_WAIT2", process: "python3" })).toBe(
      ssCount("state fin-wait-2 dport = :17000"),
    );
    // listeners are not connections: none of them is counted here
    expect(select(samples, "tcpstat_port_sockets", { state: "LISTEN" })).toEqual([]);
    if (PROMTOOL) expect(promtoolCheck(r.stdout)).toEqual({ status: 0, output: "" });
  });

  it("exports the ephemeral range's size and the most of its ports used toward one destination", () => {
    const samples = parseSamples(runTcpstat(["metrics", "-t"], { netns: ns }).stdout);
    expect(value(samples, "tcpstat_ephemeral_port_range_size")).toBe(10); // 40000-40009, set above
    const clientPorts = ns
      .run("ss", ["-tanH", "dst", "127.0.0.1:17000"])
      .stdout.split("\n")
      .filter(Boolean)
      .map((line) => Number(line.trim().split(/\s+/)[3]!.split(":").pop()));
    expect(clientPorts.every((p) => p >= 40000 && p <= 40009)).toBe(true);
    expect(value(samples, "tcpstat_ephemeral_ports_used_max")).toBe(new Set(clientPorts).size);
    expect(clientPorts).toHaveLength(3);
  });

  it("leaves the ephemeral range out where it cannot be read: another namespace", () => {
    const samples = parseSamples(runTcpstat(["metrics", "-t", "-N", String(ns.pid)]).stdout);
    expect(select(samples, "tcpstat_ephemeral_port_range_size")).toEqual([]);
    expect(value(samples, "tcpstat_port_sockets", { side: "local", port: "17000", state: "CLOSE_WAIT", process: "python3" })).toBe(3);
  });
});
