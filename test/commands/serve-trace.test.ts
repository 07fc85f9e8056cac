import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { untilServing } from "../helpers/serve.js";
import { PROMTOOL, parseSamples, promtoolCheck, select, value, type Sample } from "../format/prometheus-text.js";

/**
 * `tcpstat serve --trace` in a fresh namespace: connections made by SCENARIO after serve
 * started, counted by hand below, against what /metrics says. --port keeps the scrapes'
 * own connections (port 9717) out of the counts.
 *
 * SCENARIO (python3): a listener on 127.0.0.1:21001; 4 connections to it, each closed by the
 * client first and then by the server, the last one held open 1.2 s before; one connection
 * to 21002, where nothing listens (refused: a reset each way); the listener closed; "done".
 * It stays alive until the test ends: the trace tells a close() event's namespace from the
 * process in context, which a process that has already exited no longer shows.
 */
const SCENARIO = `
import socket, time
srv = socket.socket(); srv.bind(("127.0.0.1", 21001)); srv.listen(8)
for i in range(4):
    c = socket.create_connection(("127.0.0.1", 21001)); a, _ = srv.accept()
    if i == 3: time.sleep(1.2)
    c.close(); a.recv(1); a.close()
try: socket.create_connection(("127.0.0.1", 21002))
except ConnectionRefusedError: pass
srv.close()
print("done", flush=True)
time.sleep(600)
`;

/** What SCENARIO makes, by hand. The client's active close has no ->TIME_WAIT event (the kernel hands it to a timewait socket): its FIN_WAIT2 goes to CLOSE. */
const TRANSITIONS: Record<string, number> = {
  "CLOSE>LISTEN": 1,
  "CLOSE>SYN_SENT": 5, // 4 connections and the refused one
  "SYN_SENT>ESTABLISHED": 4,
  "LISTEN>SYN_RECV": 4,
  "SYN_RECV>ESTABLISHED": 4,
  "ESTABLISHED>FIN_WAIT1": 4, // the client closes first
  "FIN_WAIT1>FIN_WAIT2": 4,
  "FIN_WAIT2>CLOSE": 4,
  "ESTABLISHED>CLOSE_WAIT": 4, // the server hears it
  "CLOSE_WAIT>LAST_ACK": 4,
  "LAST_ACK>CLOSE": 4,
  "SYN_SENT>CLOSE": 1, // refused
  "LISTEN>CLOSE": 1,
};

let ns: Netns;
/** Processes stopped with serve. */
const others: ChildProcess[] = [];
beforeAll(() => {
  ns = createNetns();
});
afterAll(() => ns?.close());

function scrape(log: () => string): string {
  const script = `fetch("http://127.0.0.1:9717/metrics").then((r) => r.text()).then((t) => process.stdout.write(t), (e) => { console.error(String(e.cause ?? e)); process.exit(1); })`;
  const r = ns.run(process.execPath, ["-e", script], { timeoutMs: 15_000 });
  if (r.status !== 0) throw new Error(`scrape failed (${r.status ?? r.signal}): ${r.stderr}\nserve: ${log()}`);
  return r.stdout;
}

/** SIGTERM: serve exits 0, and the trace's tracefs instance (named after serve's pid) goes with it. */
async function stopServe(serve: ChildProcess): Promise<void> {
  serve.kill("SIGTERM");
  for (const child of others) child.kill("SIGKILL");
  const [code] = await once(serve, "exit");
  expect(code).toBe(0);
  expect(existsSync(`/sys/kernel/tracing/instances/tcpstat-${serve.pid}`)).toBe(false);
}

const lifetimes = (samples: Sample[], suffix: string, labels: Record<string, string>) => value(samples, `tcpstat_trace_connection_lifetime_seconds_${suffix}`, labels);

const TRACEFS = existsSync("/sys/kernel/tracing") || existsSync("/sys/kernel/debug/tracing");

describe.skipIf(!TRACEFS)(`tcpstat serve --trace${TRACEFS ? "" : " (skipped: no tracefs at /sys/kernel/tracing; exact counts need the kernel's tracepoints)"}`, () => {
  it("counts transitions by from/to, resets both ways and lifetimes by listening port, as the scenario made them", async () => {
    const serve = ns.spawn(process.execPath, [BIN, "serve", "--trace", "--listen", "127.0.0.1:9717", "--port", "21000-21099"]);
    const stderr = await untilServing(serve);
    const scenario = ns.spawn("python3", ["-c", SCENARIO]);
    others.push(scenario);
    let said = "";
    scenario.stdout!.on("data", (d) => (said += d));
    scenario.stderr!.on("data", (d) => (said += d));
    await new Promise<void>((resolve, reject) => {
      scenario.stdout!.on("data", () => said.includes("done") && resolve());
      scenario.once("exit", () => reject(new Error(`the scenario ended: ${said}`)));
    });
    // events reach serve from per-CPU buffers drained every 50 ms: scrape until all are counted (normally under a second; at most 60 s on a loaded machine, where the trace's start-up read of the socket tables holds events back)
    const transitions = (samples: Sample[]) => Object.fromEntries(select(samples, "tcpstat_trace_transitions_total").map((s) => [`${s.labels.from}>${s.labels.to}`, s.value]));
    let text = scrape(stderr);
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; text = scrape(stderr)) {
      const seen = transitions(parseSamples(text));
      if (Object.keys(TRANSITIONS).every((k) => seen[k] === TRANSITIONS[k])) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const samples = parseSamples(text);
    expect(value(samples, "tcpstat_trace_info", { source: "tracefs" })).toBe(1);
    if (PROMTOOL) expect(promtoolCheck(text)).toEqual({ status: 0, output: "" });
    // Tracepoints are machine-wide: a burst of TCP elsewhere can overflow the kernel's buffer
    // (lost events), and an event whose namespace cannot be told is left out (unattributed).
    // The counts are exact, or they fall short and serve says so.
    const seen = transitions(samples);
    if (!Object.keys(TRANSITIONS).every((k) => seen[k] === TRANSITIONS[k])) {
      const missed = value(samples, "tcpstat_trace_lost_events_total")! + value(samples, "tcpstat_trace_unattributed_events_total")!;
      expect(missed, `transitions ${JSON.stringify(seen)}: short, and no lost or unattributed events said so`).toBeGreaterThan(0);
      for (const [key, n] of Object.entries(seen)) expect(n, key).toBeLessThanOrEqual(TRANSITIONS[key] ?? 0);
      console.warn(`serve --trace: ${missed} events lost or unattributed; counts checked as upper bounds only: ${JSON.stringify(seen)}`);
      await stopServe(serve);
      return;
    }
    expect(transitions(samples)).toEqual(TRANSITIONS);
    expect(value(samples, "tcpstat_trace_resets_total", { direction: "sent" })).toBe(1);
    expect(value(samples, "tcpstat_trace_resets_total", { direction: "received" })).toBe(1);

    // the server's side of each connection is on its listening port; the client's on the peer's
    for (const side of ["local", "remote"]) {
      const labels = { side, port: "21001" };
      expect(lifetimes(samples, "count", labels), side).toBe(4);
      expect(lifetimes(samples, "bucket", { ...labels, le: "+Inf" })).toBe(4);
      // the held connection lived 1.2 s or more: above the 1 s bucket
      expect(lifetimes(samples, "bucket", { ...labels, le: "1" })).toBe(3);
      expect(lifetimes(samples, "sum", labels)).toBeGreaterThanOrEqual(1.2);
    }
    expect(lifetimes(samples, "count", { side: "remote", port: "21002" })).toBe(1);
    expect(select(samples, "tcpstat_trace_connection_lifetime_seconds_count")).toHaveLength(3);
    await stopServe(serve);
  }, 120_000);
});

describe("tcpstat serve --trace, refused", () => {
  it("with a replayed --input: exit 2, one line", () => {
    const r = runTcpstat(["serve", "--trace", "--input", "-"], { input: "" });
    expect(r).toEqual({
      status: 2,
      stdout: "",
      stderr: "tcpstat: --trace follows this machine's kernel as it runs: it cannot apply to a replayed --input; drop --trace, or --input to serve this machine\n",
    });
  });
});
