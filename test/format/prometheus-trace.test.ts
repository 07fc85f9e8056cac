import { describe, expect, it } from "vitest";
import { TraceMetrics } from "../../src/format/prometheus-trace.js";
import type { TraceEvent } from "../../src/model/trace.js";
import { PROMTOOL, parseSamples, promtoolCheck, select, value } from "./prometheus-text.js";

/** serve --trace's counters from events: lifetimes by port with a bounded number of series. */

const base = {
  time: "2026-01-01T00:00:00.000Z",
  monoNs: "1",
  sampled: false,
  netns: null,
  cpu: 0,
  context: "softirq" as const,
  skaddr: null,
  family: "ipv4" as const,
  localAddress: "127.0.0.1",
  remoteAddress: "127.0.0.1",
  pid: null,
  process: null,
  holderFrom: null,
};

/** A finished connection; opened here ("active"), accepted here ("passive"), or opening not seen (null). */
const lifespan = (localPort: number, remotePort: number, durationMs: number, startSeen = true, opener: "active" | "passive" | null = null): TraceEvent => ({
  kind: "lifespan",
  ...base,
  localPort,
  remotePort,
  durationMs,
  startSeen,
  opener,
  closer: "active",
  ended: "orderly",
  lastState: "FIN_WAIT2",
});

describe("TraceMetrics", () => {
  it("puts lifetimes in le buckets by listening port (local) or the peer's (remote)", () => {
    const m = new TraceMetrics("tracefs");
    m.setListening([8080]);
    m.add(lifespan(8080, 50000, 0.5)); // 0.0005 s
    m.add(lifespan(8080, 50001, 2000)); // 2 s
    m.add(lifespan(50002, 5432, 70_000)); // a client's connection to 5432, 70 s
    m.add(lifespan(8080, 50003, 9, false)); // open before the trace began: no lifetime known
    const text = [...m.render()].join("");
    const samples = parseSamples(text);
    const b = (side: string, port: string, le: string) => value(samples, "tcpstat_trace_connection_lifetime_seconds_bucket", { side, port, le });
    expect([b("local", "8080", "0.001"), b("local", "8080", "1"), b("local", "8080", "5"), b("local", "8080", "+Inf")]).toEqual([1, 1, 2, 2]);
    expect(value(samples, "tcpstat_trace_connection_lifetime_seconds_sum", { side: "local", port: "8080" })).toBe(2.0005);
    expect([b("remote", "5432", "60"), b("remote", "5432", "300")]).toEqual([0, 1]);
    if (PROMTOOL) expect(promtoolCheck(text)).toEqual({ status: 0, output: "" });
  });

  it("gives the first 20 ports their own series and counts later ones as port=\"other\"", () => {
    const m = new TraceMetrics("sampled");
    for (let port = 1000; port < 1030; port++) m.add(lifespan(40000, port, 1));
    const samples = parseSamples([...m.render()].join(""));
    const counts = select(samples, "tcpstat_trace_connection_lifetime_seconds_count");
    expect(counts).toHaveLength(21);
    expect(value(samples, "tcpstat_trace_connection_lifetime_seconds_count", { side: "remote", port: "1019" })).toBe(1);
    expect(value(samples, "tcpstat_trace_connection_lifetime_seconds_count", { side: "remote", port: "other" })).toBe(10);
    expect(value(samples, "tcpstat_trace_info", { source: "sampled" })).toBe(1);
  });

  it("takes the side from how the trace saw the connection open, before any listening port", () => {
    const m = new TraceMetrics("tracefs");
    m.setListening([8080]);
    m.add(lifespan(7000, 41000, 3, true, "passive")); // accepted on 7000, not known as listening
    m.add(lifespan(8080, 443, 3, true, "active")); // opened from port 8080 toward 443
    const samples = parseSamples([...m.render()].join(""));
    expect(value(samples, "tcpstat_trace_connection_lifetime_seconds_count", { side: "local", port: "7000" })).toBe(1);
    expect(value(samples, "tcpstat_trace_connection_lifetime_seconds_count", { side: "remote", port: "443" })).toBe(1);
    expect(select(samples, "tcpstat_trace_connection_lifetime_seconds_count")).toHaveLength(2);
  });

  it("learns a listening port from a passive open (LISTEN -> SYN_RECV)", () => {
    const m = new TraceMetrics("tracefs");
    m.add({ kind: "transition", ...base, localPort: 9000, remotePort: 41000, from: "LISTEN", to: "SYN_RECV" });
    m.add(lifespan(9000, 41000, 3));
    const samples = parseSamples([...m.render()].join(""));
    expect(value(samples, "tcpstat_trace_connection_lifetime_seconds_count", { side: "local", port: "9000" })).toBe(1);
    expect(value(samples, "tcpstat_trace_transitions_total", { from: "LISTEN", to: "SYN_RECV" })).toBe(1);
  });
});
