import { describe, expect, it } from "vitest";
import { traceJsonLine } from "../../src/format/trace.js";
import { LifespanTracker } from "../../src/lib/trace-lifespans.js";
import { quantile, TraceTotals } from "../../src/lib/trace-summary.js";
import type { TcpState } from "../../src/model/state.js";
import { TraceEventSchema, type TraceEvent, type TraceReset, type TraceTransition } from "../../src/model/trace.js";
import { parseBufferSize, parseDuration } from "../../src/commands/trace.js";

/** Lifespans and the summary, from sequences the state diagram (RFC 9293, figure 5) allows. */

const base = {
  time: "2026-12-06T19:00:00.000Z",
  monoNs: "0",
  sampled: false,
  netns: null,
  cpu: 0,
  family: "ipv4" as const,
  localAddress: "127.0.0.1",
  remoteAddress: "127.0.0.1",
  pid: 10,
  process: "client",
  holderFrom: "context" as const,
};

function run(steps: Array<[TcpState, TcpState, "process" | "softirq"] | ["rst-sent" | "rst-received"]>, sock = "ffff888100000001", localPort = 40000) {
  const tracker = new LifespanTracker();
  const out = [];
  let ms = 0;
  for (const step of steps) {
    ms += 1;
    if (step[0] === "rst-sent" || step[0] === "rst-received") {
      const reset: TraceReset = { ...base, kind: step[0] === "rst-sent" ? "reset-sent" : "reset-received", context: "softirq", skaddr: sock, localPort, remotePort: 80, state: null, reason: null };
      tracker.reset(reset);
      continue;
    }
    const [from, to, context] = step as [TcpState, TcpState, "process" | "softirq"];
    const e: TraceTransition = { ...base, kind: "transition", context, skaddr: sock, localPort, remotePort: 80, from, to };
    const life = tracker.transition(e, ms * 1e6);
    if (life) out.push(life);
  }
  return out;
}

describe("lifespans", () => {
  it("active open, active close: orderly, this side closed first", () => {
    const [life, ...rest] = run([
      ["CLOSE", "SYN_SENT", "process"],
      ["SYN_SENT", "ESTABLISHED", "softirq"],
      ["ESTABLISHED", "FIN_WAIT1", "process"],
      ["FIN_WAIT1", "FIN_WAIT2", "softirq"],
      ["FIN_WAIT2", "CLOSE", "softirq"],
    ]);
    expect(rest).toEqual([]);
    expect(life).toMatchObject({ kind: "lifespan", opener: "active", closer: "active", ended: "orderly", lastState: "FIN_WAIT2", durationMs: 4, startSeen: true });
    expect(TraceEventSchema.parse(life)).toEqual(life);
  });

  it("passive open, peer closes first: passive closer through CLOSE_WAIT and LAST_ACK", () => {
    const [life] = run([
      ["LISTEN", "SYN_RECV", "softirq"],
      ["SYN_RECV", "ESTABLISHED", "softirq"],
      ["ESTABLISHED", "CLOSE_WAIT", "softirq"],
      ["CLOSE_WAIT", "LAST_ACK", "process"],
      ["LAST_ACK", "CLOSE", "softirq"],
    ]);
    expect(life).toMatchObject({ opener: "passive", closer: "passive", ended: "orderly", lastState: "LAST_ACK" });
  });

  it("simultaneous close goes through CLOSING", () => {
    const [life] = run([
      ["CLOSE", "SYN_SENT", "process"],
      ["SYN_SENT", "ESTABLISHED", "softirq"],
      ["ESTABLISHED", "FIN_WAIT1", "process"],
      ["FIN_WAIT1", "CLOSING", "softirq"],
      ["CLOSING", "CLOSE", "softirq"],
    ]);
    expect(life).toMatchObject({ closer: "simultaneous", ended: "orderly" });
  });

  it("a SYN answered by a reset, a SYN never answered, a connect given up", () => {
    expect(run([["CLOSE", "SYN_SENT", "process"], ["rst-received"], ["SYN_SENT", "CLOSE", "process"]])[0]).toMatchObject({ closer: null, ended: "reset-received" });
    expect(run([["CLOSE", "SYN_SENT", "process"], ["SYN_SENT", "CLOSE", "softirq"]])[0]).toMatchObject({ ended: "syn-timeout" });
    expect(run([["CLOSE", "SYN_SENT", "process"], ["SYN_SENT", "CLOSE", "process"]])[0]).toMatchObject({ ended: "aborted" });
  });

  it("an abortive close sends a reset", () => {
    const [life] = run([["CLOSE", "SYN_SENT", "process"], ["SYN_SENT", "ESTABLISHED", "softirq"], ["rst-sent"], ["ESTABLISHED", "CLOSE", "process"]]);
    expect(life).toMatchObject({ ended: "reset-sent", closer: null });
  });

  it("a connection open before the trace began has a lower bound for a lifetime", () => {
    const [life] = run([["ESTABLISHED", "FIN_WAIT1", "process"], ["FIN_WAIT1", "FIN_WAIT2", "softirq"], ["FIN_WAIT2", "CLOSE", "softirq"]]);
    expect(life).toMatchObject({ startSeen: false, opener: null, closer: "active" });
  });

  it("listeners have no lifespan", () => {
    expect(run([["CLOSE", "LISTEN", "process"], ["LISTEN", "CLOSE", "process"]])).toEqual([]);
  });
});

describe("summary", () => {
  it("nearest-rank quantiles", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.5)).toBe(0);
  });

  it("counts transitions by from -> to, connections opened and closed, lifetimes by port", () => {
    const totals = new TraceTotals();
    for (let i = 0; i < 3; i++) {
      for (const life of run([["LISTEN", "SYN_RECV", "softirq"], ["SYN_RECV", "ESTABLISHED", "softirq"], ["ESTABLISHED", "CLOSE", "process"]], `s${i}`, 8080)) totals.add(life);
      totals.add({ ...base, kind: "transition", context: "softirq", skaddr: `s${i}`, localPort: 8080, remotePort: 80, from: "SYN_RECV", to: "ESTABLISHED" });
    }
    const s = totals.summary("tracefs", 1);
    expect(s.transitions).toEqual([{ from: "SYN_RECV", to: "ESTABLISHED", count: 3 }]);
    expect(s.opened).toBe(3);
    expect(s.closed).toBe(3);
    expect(s.lifetimes).toEqual([{ localPort: 8080, remotePort: null, count: 3, medianMs: 2, p99Ms: 2 }]);
    expect(s.lifetimesLeftOut).toEqual({ ports: 0, count: 0 });
    expect(TraceEventSchema.parse(s)).toEqual(s);
  });
});

describe("NDJSON lines", () => {
  it("are the text JSON.stringify gives of the schema's parse (its field order), for every kind of event", () => {
    const events: TraceEvent[] = [
      { ...base, kind: "transition", context: "process", skaddr: "ffff888100000001", localPort: 1, remotePort: 2, from: "CLOSE", to: "SYN_SENT" },
      { ...base, process: 'we"ird\u001b[2J', kind: "reset-sent", context: "softirq", skaddr: null, localPort: 1, remotePort: 2, state: null, reason: "NO_SOCKET" },
      { ...base, netns: { inode: 4026531840, name: "blue" }, kind: "retransmit", context: "softirq", skaddr: "ab", localPort: 1, remotePort: 2, state: "ESTABLISHED" },
      ...run([["CLOSE", "SYN_SENT", "process"], ["SYN_SENT", "CLOSE", "process"]]),
      { kind: "lost", time: base.time, cpu: 1, count: 5 },
    ];
    for (const e of events) {
      const parsed = TraceEventSchema.parse(e);
      expect(parsed).toEqual(e);
      expect(traceJsonLine(e)).toBe(`${JSON.stringify(parsed)}\n`);
    }
  });
});

describe("trace flags", () => {
  it("reads durations and buffer sizes, and names the fix for bad ones", () => {
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("2m")).toBe(120_000);
    expect(parseDuration("10")).toBe(10_000);
    expect(() => parseDuration("soon")).toThrow(/bad duration 'soon'/);
    expect(parseBufferSize("512K")).toBe(512);
    expect(parseBufferSize("8M")).toBe(8192);
    expect(parseBufferSize("64")).toBe(64);
    expect(() => parseBufferSize("1")).toThrow(/bad size '1' for --buffer-size/);
  });
});
