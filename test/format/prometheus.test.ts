import { describe, expect, it } from "vitest";
import { renderPrometheus, type MetricsInput } from "../../src/format/prometheus.js";
import type { SocketRecord } from "../../src/model/socket.js";
import { PROMTOOL, PROMTOOL_MISSING, parseSamples, promtoolCheck, select, value } from "./prometheus-text.js";

const base: SocketRecord = {
  proto: "tcp",
  family: "ipv4",
  localAddress: "0.0.0.0",
  localPort: 0,
  remoteAddress: null,
  remotePort: null,
  state: null,
  recvQ: 0,
  sendQ: 0,
  pid: null,
  process: null,
  uid: 0,
  user: "root",
  inode: 1,
  timer: null,
};
const rec = (r: Partial<SocketRecord>): SocketRecord => ({ ...base, ...r });

// A process name with a double quote, a backslash and a newline: all three need escaping.
const WEIRD = 'we"ird\\a\nme';

const RECORDS: SocketRecord[] = [
  rec({ localPort: 22, state: "LISTEN", pid: 100, process: "sshd", inode: 11 }),
  rec({ localAddress: "10.0.0.1", localPort: 22, remoteAddress: "10.0.0.2", remotePort: 50000, state: "ESTABLISHED", recvQ: 7, sendQ: 9, pid: 200, process: "sshd", inode: 12 }),
  rec({ family: "ipv6", localAddress: "::1", localPort: 8080, remoteAddress: "::1", remotePort: 40000, state: "TIME_WAIT", inode: 0 }),
  rec({ family: "ipv6", localAddress: "::", localPort: 8080, state: "LISTEN", pid: 300, process: "node", inode: 14 }),
  rec({ localAddress: "127.0.0.1", localPort: 40001, remoteAddress: "127.0.0.1", remotePort: 5432, state: "CLOSE_WAIT", pid: 300, process: "node", inode: 15 }),
  rec({ proto: "udp", localPort: 53, pid: 400, process: WEIRD, inode: 16 }),
  rec({ proto: "udp", family: "ipv6", localAddress: "::1", localPort: 5000, remoteAddress: "::1", remotePort: 5001, pid: 300, process: "node", inode: 17 }),
];

const render = (input: Partial<MetricsInput> = {}) => [...renderPrometheus({ records: RECORDS, protos: ["tcp", "udp"], families: ["ipv4", "ipv6"], ...input })].join("");

describe("renderPrometheus", () => {
  it("counts sockets by proto, family and state, every state present", () => {
    const samples = parseSamples(render());
    const sockets = select(samples, "tcpstat_sockets");
    // 2 families x 11 TCP states + 2 families x 2 UDP states
    expect(sockets).toHaveLength(26);
    const nonZero = sockets.filter((s) => s.value !== 0).map((s) => `${s.labels.proto}/${s.labels.family}/${s.labels.state}=${s.value}`);
    expect(nonZero.sort()).toEqual([
      "tcp/ipv4/CLOSE_WAIT=1",
      "tcp/ipv4/ESTABLISHED=1",
      "tcp/ipv4/LISTEN=1",
      "tcp/ipv6/LISTEN=1",
      "tcp/ipv6/TIME_WAIT=1",
      "udp/ipv4/UNCONN=1",
      "udp/ipv6/ESTABLISHED=1",
    ]);
    expect(value(samples, "tcpstat_sockets", { proto: "tcp", family: "ipv6", state: "SYN_SENT" })).toBe(0);
    expect(value(samples, "tcpstat_sockets", { proto: "udp", family: "ipv4", state: "ESTABLISHED" })).toBe(0);
  });

  it("writes HELP and TYPE once per metric, before its samples", () => {
    const text = render({ counters: [{ netns: null, counters: { TcpActiveOpens: 76 } }], durationSeconds: 0.5 });
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^# HELP tcpstat_sockets /);
    expect(lines[1]).toBe("# TYPE tcpstat_sockets gauge");
    const types = lines.filter((l) => l.startsWith("# TYPE ")).map((l) => l.split(" ")[2]);
    expect(new Set(types).size).toBe(types.length);
    expect(text).toContain("# TYPE tcpstat_tcp_active_opens_total counter\ntcpstat_tcp_active_opens_total 76\n");
    expect(text).toContain("# TYPE tcpstat_collection_duration_seconds gauge\ntcpstat_collection_duration_seconds 0.5\n");
  });

  it("lists listeners by local port: TCP LISTEN and unconnected UDP", () => {
    const listeners = select(parseSamples(render()), "tcpstat_listening_sockets").map((s) => `${s.labels.proto}/${s.labels.family}/${s.labels.port}=${s.value}`);
    expect(listeners).toEqual(["tcp/ipv4/22=1", "udp/ipv4/53=1", "tcp/ipv6/8080=1"]);
  });

  it("keeps the top N processes and sums the rest in a series labelled rest=\"true\"", () => {
    const top2 = select(parseSamples(render({ top: 2 })), "tcpstat_process_sockets").map((s) => `${s.labels.process ?? `rest:${s.labels.rest}`}=${s.value}`);
    expect(top2).toEqual(["node=3", "sshd=2", "rest:true=1"]);
    const all = select(parseSamples(render({ top: 10 })), "tcpstat_process_sockets").map((s) => `${s.labels.process}=${s.value}`);
    expect(all).toEqual(["node=3", "sshd=2", `${WEIRD}=1`]);
    expect(select(parseSamples(render({ owners: false })), "tcpstat_process_sockets")).toEqual([]);
  });

  it("a process named other cannot collide with the rest: every series has its own labels (issue 22)", () => {
    const other = (pid: number, name: string) => ({ ...RECORDS[0]!, pid, process: name });
    const text = render({ records: [other(1, "other"), other(2, "other"), other(3, "a"), other(4, "b")], top: 1 });
    const series = select(parseSamples(text), "tcpstat_process_sockets");
    expect(series.map((s) => [s.labels, s.value])).toEqual([
      [{ process: "other" }, 2],
      [{ rest: "true" }, 2],
    ]);
    if (PROMTOOL) expect(promtoolCheck(text)).toEqual({ status: 0, output: "" });
  });

  it("leaves out process names and pids when processLabels is false (serve without --process-labels)", () => {
    const text = render({ processLabels: false, detailed: true });
    expect(select(parseSamples(text), "tcpstat_process_sockets")).toEqual([]);
    for (const s of select(parseSamples(text), "tcpstat_socket_info")) expect(Object.keys(s.labels).filter((k) => k === "pid" || k === "process")).toEqual([]);
  });

  it("escapes label values: backslash, double quote, newline", () => {
    expect(render()).toContain('tcpstat_process_sockets{process="we\\"ird\\\\a\\nme"} 1\n');
  });

  it("writes kernel counters as _total counters, aborts by reason, CurrEstab as a gauge", () => {
    const text = render({
      counters: [{ netns: null, counters: { TcpExtListenOverflows: 3, TcpExtTCPAbortOnData: 2, TcpExtTCPAbortOnClose: 1, TcpCurrEstab: 5, NotExported: 9 } }],
    });
    expect(text).toContain("tcpstat_tcp_listen_overflows_total 3\n");
    expect(text).toContain('# TYPE tcpstat_tcp_aborts_total counter\ntcpstat_tcp_aborts_total{reason="data"} 2\ntcpstat_tcp_aborts_total{reason="close"} 1\n');
    expect(text).toContain("# TYPE tcpstat_tcp_current_established gauge\ntcpstat_tcp_current_established 5\n");
    expect(text).not.toContain("NotExported");
    // counters the kernel does not have are left out, not written as 0
    expect(text).not.toContain("tcpstat_tcp_active_opens_total");
  });

  it("zero-fills only the states the selection allows", () => {
    const listeners = RECORDS.filter((r) => r.state === "LISTEN");
    const sockets = select(parseSamples(render({ records: listeners, protos: ["tcp"], states: new Set(["LISTEN"] as const) })), "tcpstat_sockets");
    expect(sockets.map((s) => `${s.labels.family}/${s.labels.state}=${s.value}`)).toEqual(["ipv4/LISTEN=1", "ipv6/LISTEN=1"]);
  });

  it("labels every socket series with its namespace under --netns, zero-filled per namespace", () => {
    const tagged = RECORDS.map((r, i) => ({ ...r, netns: i % 2 === 0 ? { inode: 4026531840, name: null } : { inode: 4026532001, name: "blue" } }));
    const text = [
      ...renderPrometheus({
        records: tagged.filter((r) => r.proto === "tcp" && r.family === "ipv4"),
        protos: ["tcp"],
        families: ["ipv4"],
        namespaces: [{ inode: 4026531840, name: null }, { inode: 4026532001, name: "blue" }, { inode: 4026532002, name: "empty" }],
        counters: [{ netns: { inode: 4026532001, name: "blue" }, counters: { TcpActiveOpens: 4 } }],
      }),
    ].join("");
    const samples = parseSamples(text);
    expect(select(samples, "tcpstat_sockets")).toHaveLength(33);
    expect(value(samples, "tcpstat_sockets", { netns: "net:[4026531840]", state: "LISTEN" })).toBe(1);
    expect(value(samples, "tcpstat_sockets", { netns: "blue", state: "ESTABLISHED" })).toBe(1);
    expect(value(samples, "tcpstat_sockets", { netns: "empty", state: "LISTEN" })).toBe(0);
    expect(text).toContain('tcpstat_tcp_active_opens_total{netns="blue"} 4\n');
  });

  it("--detailed adds one info series per socket and queue bytes for non-listeners", () => {
    const samples = parseSamples(render({ detailed: true }));
    expect(select(samples, "tcpstat_socket_info")).toHaveLength(RECORDS.length);
    const estab = select(samples, "tcpstat_socket_info", { local_address: "10.0.0.1", remote_port: "50000" })[0]!;
    expect(estab.labels).toMatchObject({ state: "ESTABLISHED", pid: "200", process: "sshd", inode: "12" });
    expect(value(samples, "tcpstat_socket_receive_queue_bytes", { local_address: "10.0.0.1" })).toBe(7);
    expect(value(samples, "tcpstat_socket_send_queue_bytes", { local_address: "10.0.0.1" })).toBe(9);
    expect(select(samples, "tcpstat_socket_receive_queue_bytes", { local_port: "22", local_address: "0.0.0.0" })).toEqual([]);
    expect(select(parseSamples(render()), "tcpstat_socket_info")).toEqual([]);
  });

  it.skipIf(!PROMTOOL)(`passes promtool check metrics (${PROMTOOL ? "promtool found" : PROMTOOL_MISSING})`, () => {
    const counters = [{ netns: null, counters: { TcpActiveOpens: 1, TcpCurrEstab: 2, TcpExtTCPAbortOnData: 3, UdpInDatagrams: 4 } }];
    for (const text of [render(), render({ detailed: true, counters, durationSeconds: 0.001, problems: 2 }), render({ top: 0 }), [...renderPrometheus({ records: [] })].join("")]) {
      const check = promtoolCheck(text);
      expect(check.output).toBe("");
      expect(check.status).toBe(0);
    }
  });
});
