import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { BIN, runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import type { SocketRecord } from "../../src/model/socket.js";

/**
 * -i/--info against `ss -tinH` on the same idle connections: counters equal, rtt equal (an idle
 * connection takes no new samples), the time since the last send between ss's reads before and
 * after. Where ss is missing (hidden in a private mount namespace), /proc/net/tcp's fields, said once.
 */

const HOLDER = `
import socket, time
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); srv.bind(("127.0.0.1", 7100)); srv.listen()
held = [srv]
for n in range(3):
    c = socket.create_connection(("127.0.0.1", 7100)); a, _ = srv.accept()
    c.sendall(b"q" * (1000 * (n + 1))); got = 0
    while got < 1000 * (n + 1): got += len(a.recv(65536))
    a.sendall(b"r" * (300 * (n + 1))); got = 0
    while got < 300 * (n + 1): got += len(c.recv(65536))
    held += [c, a]
six = socket.socket(socket.AF_INET6); six.bind(("::1", 7200)); six.listen(); held.append(six)
c6 = socket.create_connection(("::1", 7200)); a6, _ = six.accept(); c6.sendall(b"x" * 4000); held += [c6, a6]
print("ready", flush=True)
time.sleep(600)
`;

let ns: Netns;
beforeAll(async () => {
  ns = createNetns();
  await lineFrom(ns.spawn("python3", ["-c", HOLDER]), "connection holder");
});
afterAll(() => ns?.close());

interface SsInfo {
  key: string;
  fields: Record<string, string>;
}

/** `ss -tinH`: a socket line, then its tcp_info on a tab-indented line. Keys: "local peer" as tcpstat prints them. */
function ssInfo(): Map<string, SsInfo> {
  const r = ns.run("ss", ["-tinH"]);
  expect(r.status).toBe(0);
  const out = new Map<string, SsInfo>();
  const lines = r.stdout.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const head = lines[i]!.trim().split(/\s+/);
    if (head.length < 5 || lines[i]!.startsWith("\t")) continue;
    const strip = (e: string) => e.replace(/^\[(.*)\]:(\d+)$/, "$1:$2");
    const key = `${strip(head[3]!)} ${strip(head[4]!)}`;
    const fields: Record<string, string> = {};
    for (const w of (lines[i + 1] ?? "").trim().split(/\s+/)) {
      const c = w.indexOf(":");
      if (c > 0) fields[w.slice(0, c)] = w.slice(c + 1);
    }
    out.set(key, { key, fields });
  }
  return out;
}

const keyOf = (r: SocketRecord) => `${r.localAddress}:${r.localPort} ${r.remoteAddress}:${r.remotePort}`;

describe("-i agrees with ss -tinH", () => {
  it("counters exactly, rtt and rto as ss prints them, idle times between ss's reads", () => {
    const before = ssInfo();
    const r = runTcpstat(["-i", "--json", "--state", "established"], { netns: ns });
    const after = ssInfo();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const records = JSON.parse(r.stdout) as SocketRecord[];
    expect(records).toHaveLength(8);
    for (const rec of records) {
      const info = rec.tcpInfo!;
      expect(info, keyOf(rec)).not.toBeNull();
      expect(info.source).toBe("ss");
      const ss = after.get(keyOf(rec))!.fields;
      const n = (k: string) => (ss[k] === undefined ? 0 : Number(ss[k]));
      expect(info.bytesSent, keyOf(rec)).toBe(n("bytes_sent"));
      expect(info.bytesAcked).toBe(n("bytes_acked"));
      expect(info.bytesReceived).toBe(n("bytes_received"));
      expect(info.segsOut).toBe(n("segs_out"));
      expect(info.segsIn).toBe(n("segs_in"));
      expect(info.cwnd).toBe(n("cwnd"));
      expect(info.mss).toBe(n("mss"));
      expect(info.rtoMs).toBe(n("rto"));
      expect(`${info.rttMs}/${info.rttVarMs}`).toBe(ss.rtt);
      expect(info.minRttMs).toBe(n("minrtt"));
      expect(`${info.sndWscale},${info.rcvWscale}`).toBe(ss.wscale);
      expect(info.totalRetrans).toBe(ss.retrans === undefined ? 0 : Number(ss.retrans.split("/")[1]));
      const earlier = Number(before.get(keyOf(rec))!.fields.lastsnd);
      expect(info.lastSendMs).toBeGreaterThanOrEqual(earlier);
      expect(info.lastSendMs).toBeLessThanOrEqual(n("lastsnd"));
    }
    // The sizes the holder sent: 1000, 2000, 3000 bytes one way, 300, 600, 900 back, 4000 over IPv6.
    expect(records.map((x) => x.tcpInfo!.bytesReceived).sort((a, b) => a! - b!)).toEqual([0, 300, 600, 900, 1000, 2000, 3000, 4000]);
  });

  it("the table has the compact columns; UDP and TIME_WAIT-less rows show '-'", () => {
    const r = runTcpstat(["-i", "-tu", "--no-owners"], { netns: ns });
    expect(r.status).toBe(0);
    const [head, ...rows] = r.stdout.trim().split("\n");
    expect(head!.split(/\s{2,}/).slice(-6).map((h) => h.trim())).toEqual(["RTT(ms)", "Cwnd", "Retrans", "Sent", "Recv", "Idle(ms)"]);
    const estab = rows.filter((l) => l.includes("ESTABLISHED"));
    expect(estab).toHaveLength(8);
    expect(estab.every((l) => /ESTABLISHED\s+-\s+[\d.]+\s+\d+\s+\d+\/\d+\s+\d+\s+\d+\s+\d+\s*$/.test(l))).toBe(true);
  });

  it("refuses what it cannot apply to", () => {
    const r = runTcpstat(["-i", "--input", "/dev/null"], { netns: ns });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("tcpstat: -i/--info reads this machine's kernel; it cannot apply to --input; drop -i, or run it live\n");
  });
});

describe("-i without ss", () => {
  it("shows /proc/net/tcp's fields and says so once", () => {
    // ss hidden by /dev/null in a private mount namespace: tcpstat finds no executable ss.
    const script = `mount --bind /dev/null /usr/bin/ss && exec "$0" "$@"`;
    const r = ns.run("unshare", ["-m", "sh", "-c", script, process.execPath, BIN, "-i", "--json", "--state", "established", "--no-owners"], { env: { ...process.env, NO_COLOR: "1" } });
    expect(r.status).toBe(0);
    const notices = r.stderr.trim().split("\n");
    expect(notices).toEqual([expect.stringMatching(/^tcpstat: ss \(iproute2\) was not found: -i shows only what \/proc\/net\/tcp carries/)]);
    const records = JSON.parse(r.stdout) as SocketRecord[];
    const ss = ssInfo();
    expect(records).toHaveLength(8);
    for (const rec of records) {
      const info = rec.tcpInfo!;
      expect(info.source).toBe("proc");
      const fields = ss.get(keyOf(rec))!.fields;
      expect(info.cwnd).toBe(Number(fields.cwnd));
      // /proc/net/tcp counts in clock ticks (10 ms): ss's rto:204 is 200 there.
      expect(Math.abs(info.rtoMs! - Number(fields.rto))).toBeLessThan(10);
      expect(info.retransmits).toBe(0);
      expect(info.bytesSent).toBeNull();
      expect(info.rttMs).toBeNull();
    }
  });
});
