import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import { SocketRecordSchema, type SocketRecord } from "../../src/model/socket.js";
import { parseNetstat, parseSs, socketKey, type NetstatRow, type RefSocket } from "./reference-tools.js";
import { BASES, LISTEN_ADDRESS, NODE_NAME, NODE_PORT, SERVER_ADDRESS, startScenario, type Flavour, type Scenario } from "./scenario.js";

/**
 * The "done when": with sockets held in every state over IPv4, IPv6 and
 * IPv4-mapped addresses plus UDP, `tcpstat -tu --json` agrees with `ss -tuanpoH`
 * socket by socket. ss runs before and after tcpstat, so moving timers are
 * bracketed instead of guessed.
 */

let scenario: Scenario;
let records: SocketRecord[];
let ssBefore: RefSocket[];
let ssAfter: RefSocket[];
let netstat: NetstatRow[];
let stderr: string;

beforeAll(async () => {
  scenario = await startScenario();
  const { ns } = scenario;
  const ss = () => {
    const r = ns.run("ss", ["-tuanpoH"]);
    if (r.status !== 0) throw new Error(`ss failed: ${r.stderr}`);
    return parseSs(r.stdout);
  };
  ssBefore = ss();
  const result = runTcpstat(["-tu", "--json"], { netns: ns });
  ssAfter = ss();
  expect(result.status).toBe(0);
  stderr = result.stderr;
  records = JSON.parse(result.stdout) as SocketRecord[];
  const ns2 = ns.run("netstat", ["-tuanpoW"]);
  if (ns2.status !== 0) throw new Error(`netstat failed: ${ns2.stderr}`);
  netstat = parseNetstat(ns2.stdout);
});

afterAll(() => scenario?.close());

const byKey = <T extends Parameters<typeof socketKey>[0]>(list: T[]) => new Map(list.map((s) => [socketKey(s), s]));

describe("tcpstat -tu --json against ss -tuanpoH in a namespace holding every state", () => {
  it("prints valid records and nothing on stderr (we are root)", () => {
    expect(stderr).toBe("");
    for (const r of records) expect(() => SocketRecordSchema.parse(r)).not.toThrow();
  });

  it("holds what the scenario promises (checked with ss, not tcpstat)", () => {
    for (const flavour of Object.keys(BASES) as Flavour[]) {
      const server = ssBefore.filter((s) => s.proto === "tcp" && s.localAddress === SERVER_ADDRESS[flavour]);
      const seen = new Set(server.map((s) => s.state));
      for (const state of ["ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT"])
        expect(seen, `${flavour} ${state}`).toContain(state);
      const listener = ssBefore.find((s) => s.localPort === BASES[flavour] && s.state === "LISTEN");
      expect(listener?.localAddress).toBe(LISTEN_ADDRESS[flavour]);
    }
    expect(ssBefore.filter((s) => s.proto === "udp")).toHaveLength(6);
  });

  it("lists exactly the sockets ss lists", () => {
    const ours = records.map(socketKey).sort();
    expect(ours).toEqual(ssBefore.map(socketKey).sort());
    expect(ours).toEqual(ssAfter.map(socketKey).sort());
    expect(new Set(ours).size).toBe(ours.length);
  });

  it("agrees with ss on family, state, owner and queues, socket by socket", () => {
    const ss = byKey(ssBefore);
    const mismatches: string[] = [];
    for (const r of records) {
      const s = ss.get(socketKey(r))!;
      const ssSendQ = r.state === "LISTEN" ? r.sendQ : s.sendQ; // ss shows the backlog there: checked below
      const want = { family: s.family, state: s.state, pid: s.pid, process: s.process, recvQ: s.recvQ, sendQ: ssSendQ };
      const got = { family: r.family, state: r.state, pid: r.pid, process: r.process, recvQ: r.recvQ, sendQ: r.sendQ };
      if (JSON.stringify(want) !== JSON.stringify(got))
        mismatches.push(`${socketKey(r)}: ss ${JSON.stringify(want)} tcpstat ${JSON.stringify(got)}`);
    }
    expect(mismatches).toEqual([]);
  });

  it("shows the scenario's queues: 100 unread and 1000 unacknowledged bytes, 2 waiting connections, a 5-byte datagram", () => {
    for (const flavour of Object.keys(BASES) as Flavour[]) {
      const base = BASES[flavour];
      const server = records.find((r) => r.localPort === base && r.state === "ESTABLISHED");
      expect(server, flavour).toMatchObject({ localAddress: SERVER_ADDRESS[flavour], recvQ: 100, sendQ: 1000 });
      const backlog = records.find((r) => r.localPort === base + 1 && r.state === "LISTEN");
      expect(backlog, flavour).toMatchObject({ localAddress: LISTEN_ADDRESS[flavour], recvQ: 2, sendQ: 0 });
      // The two connections nobody accepted have no file, hence no owner, like ss shows them.
      const waiting = records.filter((r) => r.localPort === base + 1 && r.state === "ESTABLISHED");
      expect(waiting.map((r) => [r.pid, r.inode])).toEqual([
        [null, null],
        [null, null],
      ]);
      const udp = records.find((r) => r.proto === "udp" && r.localPort === base + 50);
      expect(udp?.recvQ, flavour).toBeGreaterThan(0); // the kernel counts buffer memory, not the 5 bytes
      expect(udp?.remoteAddress).toBeNull();
      expect(records.find((r) => r.proto === "udp" && r.localPort === base + 51)?.remotePort).toBe(base + 50);
    }
  });

  it("LISTEN: Recv-Q is the accept queue (as ss and netstat); Send-Q is 0 as netstat shows, not ss's backlog limit", () => {
    const ns = byKey(netstat);
    const ss = byKey(ssBefore);
    const listeners = records.filter((r) => r.state === "LISTEN");
    expect(listeners.length).toBe(28);
    for (const r of listeners) {
      const n = ns.get(socketKey(r));
      expect(n, socketKey(r)).toBeDefined();
      expect([r.recvQ, r.sendQ]).toEqual([n!.recvQ, n!.sendQ]);
      expect(r.recvQ).toBe(ss.get(socketKey(r))!.recvQ);
    }
    // ss's Send-Q for a listener is listen()'s backlog: 7 for BASE+1, 16 elsewhere (python), 511 (node).
    const limit = (port: number) => ss.get(socketKey(listeners.find((r) => r.localPort === port)!))!.sendQ;
    expect([limit(BASES.v4 + 1), limit(BASES.v6), limit(NODE_PORT)]).toEqual([7, 16, 511]);
  });

  it("agrees with netstat -tuanpo on queues and owners of every socket", () => {
    const ns = byKey(netstat);
    expect(netstat.length).toBe(records.length);
    for (const r of records) {
      const n = ns.get(socketKey(r));
      expect(n, socketKey(r)).toBeDefined();
      expect([r.recvQ, r.sendQ, r.state, r.family], socketKey(r)).toEqual([n!.recvQ, n!.sendQ, n!.state, n!.family]);
      expect(n!.owner).toBe(r.pid === null ? "-" : `${r.pid}/${r.process}`);
    }
  });

  it("agrees with ss on which timer runs on each socket", () => {
    const before = byKey(ssBefore);
    const after = byKey(ssAfter);
    for (const r of records) {
      const kinds = [before.get(socketKey(r))!.timer?.kind ?? null, after.get(socketKey(r))!.timer?.kind ?? null];
      expect(kinds, socketKey(r)).toContain(r.timer?.kind ?? null);
    }
    expect(records.filter((r) => r.timer?.kind === "keepalive")).toHaveLength(3);
  });

  it("gives TIME_WAIT and keepalive timers within ss's readings taken before and after it", () => {
    const before = byKey(ssBefore);
    const after = byKey(ssAfter);
    const timed = records.filter((r) => r.timer?.kind === "timewait" || r.timer?.kind === "keepalive");
    expect(timed.filter((r) => r.state === "TIME_WAIT")).toHaveLength(3);
    for (const r of timed) {
      const hi = before.get(socketKey(r))!.timer!.highMs;
      const lo = after.get(socketKey(r))!.timer!.lowMs;
      // /proc counts in 10 ms ticks; allow one tick either side.
      expect(r.timer!.expiresInMs, socketKey(r)).toBeGreaterThanOrEqual(lo - 10);
      expect(r.timer!.expiresInMs, socketKey(r)).toBeLessThanOrEqual(hi + 10);
    }
    // A fresh TIME_WAIT has at most 60 s left (TCP_TIMEWAIT_LEN).
    for (const r of timed.filter((t) => t.state === "TIME_WAIT")) expect(r.timer!.expiresInMs).toBeLessThanOrEqual(60_000);
  });

  it("names the owners: python3 for the scenario, 'node web 1' for the extra listener, none for TIME_WAIT and SYN_RECV", () => {
    for (const r of records) {
      if (r.state === "TIME_WAIT" || r.state === "SYN_RECV") expect(r.pid, socketKey(r)).toBeNull();
      else if (r.localPort === NODE_PORT) expect([r.pid, r.process]).toEqual([scenario.nodePid, NODE_NAME]);
      else if (r.pid !== null) expect([r.pid, r.process]).toEqual([scenario.pythonPid, "python3"]);
    }
    expect(records.filter((r) => r.user === "root").length).toBeGreaterThan(0);
  });
});
