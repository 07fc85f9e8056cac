import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import { SummarySchema } from "../../src/model/report.js";

/**
 * summary on a real capture from another machine (../shared/fixtures-real, see its
 * PROVENANCE.md), replayed with --input; expected counts tallied by hand from the file's
 * "st" column: 0A x4, 01 x1, 04 x6, 06 x15, 08 x1.
 */
const CAPTURE = fileURLToPath(new URL("../../../shared/fixtures-real/linux/proc-net-tcp-x86_64-jc.txt", import.meta.url));
const present = existsSync(CAPTURE);
if (!present) console.warn(`summary replay tests skipped: ${CAPTURE} is absent (the shared real-capture fixtures are not checked out)`);

describe.skipIf(!present)("summary of a replayed /proc/net/tcp capture", () => {
  it("counts each state", () => {
    const r = runTcpstat(["summary", "--json", "--input", CAPTURE]);
    expect(r.status, r.stderr).toBe(0);
    const s = SummarySchema.parse(JSON.parse(r.stdout));
    expect(s.total).toBe(27);
    expect(s.tcp.states).toEqual({
      ESTABLISHED: 1, SYN_SENT: 0, SYN_RECV: 0, FIN_WAIT1: 6, FIN_WAIT2: 0, TIME_WAIT: 15,
      CLOSE: 0, CLOSE_WAIT: 1, LAST_ACK: 0, LISTEN: 4, CLOSING: 0,
    });
    expect(s.families).toEqual({ ipv4: 27, ipv6: 0 });
  });

  it("groups by service port: listeners' ports for their connections, the peer's port for outgoing ones", () => {
    // 80: 6 FIN_WAIT1 + 15 TIME_WAIT toward remote port 80; 22: the listener and its one
    // accepted connection; 443: one outgoing CLOSE_WAIT; 53, 631, 35303: lone listeners.
    const r = runTcpstat(["summary", "--json", "--by", "port", "--top", "3", "--input", CAPTURE]);
    const s = SummarySchema.parse(JSON.parse(r.stdout));
    expect(s.by).toEqual({
      key: "port",
      top: [
        { key: "80", count: 21, states: { FIN_WAIT1: 6, TIME_WAIT: 15 }, udp: 0 },
        { key: "22", count: 2, states: { ESTABLISHED: 1, LISTEN: 1 }, udp: 0 },
        { key: "53", count: 1, states: { LISTEN: 1 }, udp: 0 },
      ],
      rest: { groups: 3, count: 3 },
    });
    const table = runTcpstat(["summary", "--by", "port", "--top", "3", "--input", CAPTURE]).stdout;
    expect(table).toContain("By port (top 3 of 6)");
    expect(table).toMatch(/^Port +Total +ESTABLISHED +FIN_WAIT1 +TIME_WAIT +LISTEN$/m);
    expect(table).toMatch(/^80 +21 +0 +6 +15 +0$/m);
    expect(table).toContain("... and 3 more groups with 3 sockets");
  });

  it("groups by remote address, and by process as '-' when a capture has no owners", () => {
    const remote = SummarySchema.parse(JSON.parse(runTcpstat(["summary", "--json", "--by", "remote", "--input", CAPTURE]).stdout));
    expect(remote.by!.top[0]).toEqual({ key: "-", count: 4, states: { LISTEN: 4 }, udp: 0 });
    const proc = SummarySchema.parse(JSON.parse(runTcpstat(["summary", "--json", "--by", "process", "--input", CAPTURE]).stdout));
    expect(proc.by!.top).toEqual([{ key: "-", count: 27, states: expect.any(Object), udp: 0 }]);
  });

  it("prints the state table a person reads", () => {
    const r = runTcpstat(["summary", "--input", CAPTURE]);
    expect(r.stdout).toMatch(/^Total: 27 sockets \(TCP 27, UDP 0; IPv4 27, IPv6 0\)\n\nState +Count\n/);
    expect(r.stdout).toMatch(/^TIME_WAIT +15$/m);
    expect(r.stdout).toMatch(/^CLOSE_WAIT +1$/m);
  });
});

describe("summary flags", () => {
  it.each([
    [["summary", "--by", "pid"], "tcpstat: unknown grouping 'pid' for --by; choose one of: port, process, remote, local, container, unit\n"],
    [["summary", "--top", "5"], "tcpstat: --top needs --by; add --by port (or process, remote, local)\n"],
    [["summary", "--by", "port", "--top", "0"], "tcpstat: bad number '0' for --top; give a whole number, 1 or more\n"],
    [["summary", "--json", "--oneline"], "tcpstat: conflicting formats: --json and --oneline; choose one\n"],
  ])("%j is a one-line usage error", (args, message) => {
    const r = runTcpstat(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(message);
    expect(r.stdout).toBe("");
  });
});
