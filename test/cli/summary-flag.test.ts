import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import type { Summary } from "../../src/model/report.js";

/** -s, as ss -s: tcpstat summary of the selected sockets, and one line naming tcpstat stats. */

let ns: Netns;
beforeAll(async () => {
  ns = createNetns();
  const holder = ns.spawn("python3", ["-c", `
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 7400)); s.listen()
held = []
for _ in range(3):
    c = socket.create_connection(("127.0.0.1", 7400)); a, _ = s.accept(); held += [c, a]
print("ready", flush=True); time.sleep(600)`]);
  await lineFrom(holder, "socket holder");
});
afterAll(() => ns?.close());

const counts = (s: Summary) => ({ ...s, time: undefined });

describe("-s", () => {
  it("is tcpstat summary, with the pointer to tcpstat stats on stderr", () => {
    const r = runTcpstat(["-s", "--json"], { netns: ns });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("tcpstat: the kernel's TCP counters (what netstat -s prints): tcpstat stats\n");
    const summary = JSON.parse(r.stdout) as Summary;
    expect(counts(summary)).toEqual(counts(JSON.parse(runTcpstat(["summary", "--json"], { netns: ns }).stdout) as Summary));
    // ss -s: "TCP:   7 (estab 6, ...)"
    const estab = Number(/estab (\d+)/.exec(ns.run("ss", ["-s"]).stdout)![1]);
    expect(summary.tcp.states.ESTABLISHED).toBe(estab);
    expect(summary.tcp.states.LISTEN).toBe(1);
  });

  it("takes the selection and a filter expression; -q keeps the pointer quiet", () => {
    const r = runTcpstat(["-s", "--json", "-q", "state", "listening"], { netns: ns });
    expect(r.stderr).toBe("");
    const summary = JSON.parse(r.stdout) as Summary;
    expect(summary.total).toBe(1);
    expect(summary.tcp.states.LISTEN).toBe(1);
  });

  it("refuses the listing's own formats", () => {
    const r = runTcpstat(["-s", "-i"], { netns: ns });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("tcpstat: -s (the summary) does not go with -i; tcpstat -s takes the selection flags, --json and --watch\n");
  });
});
