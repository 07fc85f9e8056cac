import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { INFO_COLUMNS, INFO_COLUMN_FIELDS } from "../../src/format/table.js";
import { parseProcTcpInfo } from "../../src/sources/linux-procfs/parse-proc-tcp-info.js";
import { SsInfoStore, emptyInfo, parseSsInfo } from "../../src/sources/linux-ss/parse-ss-info.js";

// Captured from `ss -tainHOe` (iproute2 6.1) in a namespace holding a listener and one connection.
const SS = [
  "LISTEN 0      128    127.0.0.1:5000    0.0.0.0:*     ino:1224310 sk:82c cgroup:/ <-> bbr cwnd:10",
  "ESTAB  0      0      127.0.0.1:43428 127.0.0.1:5000  ino:1224311 sk:82d cgroup:/ <-> ts sack bbr wscale:10,10 rto:204 rtt:0.024/0.013 mss:32768 pmtu:65535 rcvmss:536 advmss:65483 cwnd:11 bytes_sent:100 bytes_acked:101 segs_out:3 segs_in:2 data_segs_out:1 bbr:(bw:26214390624bps,mrtt:0.01,pacing_gain:2.88672,cwnd_gain:2.88672) send 120149333333bps lastsnd:16 lastrcv:16 lastack:16 pacing_rate 287904345936bps delivery_rate 26214400000bps delivered:2 app_limited busy:8ms rwnd_limited:4ms(50.0%) retrans:1/3 lost:1 unacked:2 rcv_space:65495 rcv_ssthresh:65495 minrtt:0.01 snd_wnd:65536",
  "TIME-WAIT 0 0 127.0.0.1:5000 127.0.0.1:43000 timer:(timewait,59sec,0) ino:0 sk:830",
  "garbage",
].join("\n");

describe("parseSsInfo", () => {
  it("reads each field of the line after <->, keyed by inode; counters ss leaves out are 0", () => {
    const { byInode, problems } = parseSsInfo(SS);
    expect([...byInode.keys()]).toEqual([1224310, 1224311]);
    expect(byInode.get(1224311)).toMatchObject({
      source: "ss", congestion: "bbr", rttMs: 0.024, rttVarMs: 0.013, minRttMs: 0.01, rtoMs: 204, atoMs: null, mss: 32768, cwnd: 11,
      ssthresh: null, retransmits: 1, totalRetrans: 3, lost: 1, unacked: 2, sacked: 0, bytesSent: 100, bytesAcked: 101, bytesReceived: 0,
      segsOut: 3, segsIn: 2, lastSendMs: 16, lastRecvMs: 16, lastAckMs: 16, deliveryRateBps: 26214400000, pacingRateBps: 287904345936,
      sndWscale: 10, rcvWscale: 10, busyMs: 8, rwndLimitedMs: 4, sndbufLimitedMs: null,
    });
    // The schema's key order, which JSON output keeps.
    expect(Object.keys(byInode.get(1224311)!)).toEqual(Object.keys(emptyInfo("ss")));
    expect(byInode.get(1224310)).toMatchObject({ congestion: "bbr", cwnd: 10, rttMs: null, bytesSent: 0 });
    expect(problems).toEqual([{ source: "ss -tinHOe", line: 4, text: "garbage", reason: "not an ss -tinHOe line" }]);
  });
});

describe("SsInfoStore with bytesOnly (top's rates off screen)", () => {
  it("gives the same byte counters as the whole store, 0 where ss leaves one out, and no tcp_info", () => {
    const whole = new SsInfoStore();
    const bytes = new SsInfoStore("ss", 1, "bytes");
    const lines = [...SS.split("\n"), "ESTAB 0 0 127.0.0.1:5000 127.0.0.1:43428 ino:1224312 sk:82e cgroup:/ <-> ts cubic bytes_received:7 segs_in:2"];
    for (const line of lines) {
      whole.line(line);
      bytes.line(line);
    }
    const into = new Float64Array(2);
    for (const inode of [1224310, 1224311, 1224312]) {
      expect(bytes.bytes(inode, into)).toBe(true);
      expect([...into]).toEqual([whole.get(inode)!.bytesAcked, whole.get(inode)!.bytesReceived]);
    }
    expect([...into]).toEqual([0, 7]);
    expect(bytes.bytes(1224311, into) && [...into]).toEqual([101, 0]);
    expect(bytes.size).toBe(3);
    expect(bytes.get(1224311)).toBeUndefined();
    expect(bytes.bytes(99, into)).toBe(false);
  });
});

describe("SsInfoStore keeping the table's fields (-i's table with owners)", () => {
  it("gives every -i cell the whole store gives, on a capture of real sockets, and null for the rest", () => {
    const capture = readFileSync(new URL("./linux-ss/ss-rows/ss-tainHOe.txt", import.meta.url), "utf8");
    const whole = new SsInfoStore();
    const few = new SsInfoStore("ss", 1, INFO_COLUMN_FIELDS);
    for (const line of [...SS.split("\n"), ...capture.split("\n")]) {
      whole.line(line);
      few.line(line);
    }
    expect(few.size).toBe(whole.size);
    expect(few.size).toBeGreaterThan(10);
    const cells = (store: SsInfoStore, inode: number) => INFO_COLUMNS.map(([, text]) => text(store.get(inode)));
    const shown = new Set<string>();
    for (const inode of whole.inodes()) {
      expect(cells(few, inode), String(inode)).toEqual(cells(whole, inode));
      for (const cell of cells(few, inode)) shown.add(cell);
    }
    // Not every cell "-": the capture has the figures.
    expect(shown.size).toBeGreaterThan(10);
    expect(few.get(1224311)).toMatchObject({ congestion: "bbr", rttMs: 0.024, retransmits: 1, totalRetrans: 3, rtoMs: null, mss: null, segsOut: null });
    const into = new Float64Array(2);
    expect(few.bytes(1224311, into)).toBe(false);
  });
});

describe("parseProcTcpInfo", () => {
  it("reads rto and ato in clock ticks, cwnd, ssthresh and retransmits", () => {
    const text = [
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
      "   1: 0100007F:A9A4 0100007F:1388 01 00000000:00000000 00:00000000 00000002     0        0 1224311 2 0000000024352c5e 20 4 30 10 -1",
      "   2: 0100007F:1388 0100007F:A9A4 01 00000000:0000005A 00:00000000 00000000     0        0 1224312 1 000000000c6e85b9 20 4 30 12 7",
    ].join("\n");
    const byInode = parseProcTcpInfo(text);
    expect(byInode.get(1224311)).toMatchObject({ source: "proc", rtoMs: 200, atoMs: 40, cwnd: 10, ssthresh: null, retransmits: 2, rttMs: null });
    expect(byInode.get(1224312)).toMatchObject({ cwnd: 12, ssthresh: 7, retransmits: 0 });
  });
});
