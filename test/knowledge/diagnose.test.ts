import { describe, expect, it } from "vitest";
import { diagnose, type DiagnoseInput } from "../../src/knowledge/diagnose.js";
import { defaultThresholds, parseThresholds } from "../../src/knowledge/thresholds.js";
import { FindingSchema } from "../../src/model/report.js";
import type { SocketRecord } from "../../src/model/socket.js";

/**
 * The rules the live tests cannot reach on loopback (counters that only move under real
 * load, a backlog reported by ss, a server that closes first), on hand-built records.
 */

const rec = (over: Partial<SocketRecord>): SocketRecord => ({
  proto: "tcp", family: "ipv4", localAddress: "10.0.0.5", localPort: 443, remoteAddress: "198.51.100.7", remotePort: 50000,
  state: "ESTABLISHED", recvQ: 0, sendQ: 0, pid: 900, process: "nginx", uid: 0, user: "root", inode: 1, timer: null, ...over,
});
const listen = (port: number, over: Partial<SocketRecord> = {}) =>
  rec({ localAddress: "0.0.0.0", localPort: port, remoteAddress: null, remotePort: null, state: "LISTEN", ...over });

const input = (records: SocketRecord[], over: Partial<DiagnoseInput> = {}): DiagnoseInput => ({
  records,
  before: null,
  after: null,
  intervalSeconds: 1,
  sysctls: { localPortRange: [32768, 60999], finTimeout: 60, somaxconn: 4096, maxSynBacklog: 1024, synackRetries: 5, syncookies: 1, maxTwBuckets: 262144, twReuse: 2 },
  thresholds: defaultThresholds(),
  ...over,
});

describe("diagnose", () => {
  it("finds nothing on a quiet server", () => {
    expect(diagnose(input([listen(443), rec({}), rec({ remotePort: 50001 })]))).toEqual([]);
  });

  it("sees a server that closes first piling TIME_WAIT on its own port", () => {
    const tw = Array.from({ length: 1500 }, (_, i) =>
      rec({ state: "TIME_WAIT", remotePort: 20000 + i, pid: null, process: null, inode: 0, timer: { kind: "timewait", expiresInMs: 1000 + i * 30, retransmits: 0 } }),
    );
    const [f, ...rest] = diagnose(input([listen(443), ...tw]));
    expect(rest).toEqual([]);
    expect(FindingSchema.parse(f)).toMatchObject({ rule: "time-wait", state: "TIME_WAIT", port: 443, peer: null, pid: 900, process: "nginx", count: 1500 });
    // 1000 + 1499 * 30 = 45970 ms: the longest time left, hand-computed.
    expect(f!.oldestTimerMs).toBe(45_970);
    expect(f!.cause).toMatch(/server closes connections first/);
  });

  it("uses the backlog ss reports when /proc shows none, and the rising overflow counters", () => {
    const l = listen(8080, { recvQ: 129, sendQ: 0 });
    const before = { TcpExtListenOverflows: 10, TcpExtListenDrops: 12 };
    const after = { TcpExtListenOverflows: 25, TcpExtListenDrops: 27 };
    const backlogs = new Map([["0.0.0.0|8080", 128]]);
    const [f] = diagnose(input([l], { before, after, backlogs }));
    expect(f).toMatchObject({ rule: "accept-queue", severity: "critical", port: 8080, count: 129 });
    expect(f!.title).toContain("129 waiting, backlog 128");
    expect(f!.evidence).toContain("TcpExtListenOverflows rose by 15 and TcpExtListenDrops by 15 in 1 s");
    // Half full is not full.
    expect(diagnose(input([listen(8080, { recvQ: 64 })], { backlogs }))).toEqual([]);
  });

  it("reports listen overflows even when no queue is full at the moment of reading", () => {
    const [f] = diagnose(input([listen(80)], { before: { TcpExtListenOverflows: 3 }, after: { TcpExtListenOverflows: 9 } }));
    expect(f).toMatchObject({ rule: "listen-overflows", count: 6, state: "LISTEN" });
  });

  it("finds clients stuck in SYN_SENT toward an unanswering peer", () => {
    const stuck = Array.from({ length: 12 }, (_, i) =>
      rec({ localPort: 40000 + i, remoteAddress: "203.0.113.9", remotePort: 5432, state: "SYN_SENT", pid: 77, process: "app", timer: { kind: "retransmit", expiresInMs: 3000, retransmits: 2 } }),
    );
    const [f] = diagnose(input(stuck));
    expect(f).toMatchObject({ rule: "syn-sent", peer: "203.0.113.9:5432", port: 5432, pid: 77, process: "app", count: 12 });
    expect(f!.fix).toContain("nc -vz 203.0.113.9 5432");
  });

  it("flags a retransmission rate between the two readings", () => {
    const [f] = diagnose(input([], { before: { TcpRetransSegs: 100, TcpOutSegs: 10_000 }, after: { TcpRetransSegs: 180, TcpOutSegs: 11_000 } }));
    // 80 retransmitted of 1000 sent = 8% >= 5%.
    expect(f).toMatchObject({ rule: "retrans-rate", count: 80, severity: "warning" });
    expect(f!.title).toBe("8.0% of segments retransmitted in 1 s");
    expect(diagnose(input([], { before: { TcpRetransSegs: 0, TcpOutSegs: 0 }, after: { TcpRetransSegs: 4, TcpOutSegs: 1000 } }))).toEqual([]);
  });

  it("mentions TIME_WAIT bucket overflow when the counter rises", () => {
    const tw = Array.from({ length: 1000 }, (_, i) => rec({ state: "TIME_WAIT", localPort: 33000 + i, remoteAddress: "192.0.2.1", remotePort: 80, pid: null, process: null }));
    const [f] = diagnose(input(tw, { before: { TcpExtTCPTimeWaitOverflow: 0 }, after: { TcpExtTCPTimeWaitOverflow: 5 } }));
    expect(f!.peer).toBe("192.0.2.1:80");
    expect(f!.evidence.at(-1)).toContain("TcpExtTCPTimeWaitOverflow rose by 5");
  });

  it("parses thresholds and refuses nonsense", () => {
    expect(parseThresholds(["close-wait=50", "ephemeral=0.5"])).toMatchObject({ "close-wait": 50, ephemeral: 0.5, "time-wait": 1000 });
    expect(() => parseThresholds(["close-wait=0"])).toThrow(/must be above 0/);
    expect(() => parseThresholds(["closewait=3"])).toThrow(/unknown threshold/);
  });
});
