import { spawn, spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TraceEventSchema, type TraceEvent, type TraceLifespan, type TraceTransition } from "../../src/model/trace.js";
import { BIN } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { Lines, instanceExists, pythonNamed, startTrace, traceUnavailable } from "./trace-helpers.js";

/**
 * `tcpstat trace` against real connections in a fresh namespace: the transitions of a
 * connect, accept and close are the state diagram's, each side's process is named, and ss
 * agrees with what the trace says is left (TIME_WAIT on the side that closed first). Then
 * the ways a run ends, each of which must leave no tracefs instance behind.
 */

const why = traceUnavailable();
if (why) console.warn(`SKIPPED: the tcpstat trace tests cannot run here: ${why}`);

let ns: Netns;
beforeAll(() => {
  ns = createNetns();
});
afterAll(() => ns?.close());

const SERVER = String.raw`
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
print(s.getsockname()[1], flush=True)
a, _ = s.accept()
print("accepted", flush=True)
while a.recv(100):
    pass
a.close()
print("closed", flush=True)
sys.stdin.read()
`;

const CLIENT = String.raw`
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print("connected", c.getsockname()[1], flush=True)
sys.stdin.readline()
c.close()
print("closed", flush=True)
sys.stdin.read()
`;

const events = (lines: readonly string[]): TraceEvent[] => lines.filter((l) => l.startsWith("{")).map((l) => TraceEventSchema.parse(JSON.parse(l)));
const path = (list: TraceEvent[], port: number, local: boolean) =>
  list.filter((e): e is TraceTransition => e.kind === "transition" && (local ? e.localPort === port : e.remotePort === port && e.localPort !== 0)).map((e) => `${e.from} -> ${e.to}`);

describe.skipIf(why !== null)("tcpstat trace, live", () => {
  it("a connect, accept and close: each side's transitions, processes, lifespans, and ss agrees", async () => {
    const trace = await startTrace(["--ndjson"], { netns: ns });
    const server = pythonNamed(ns, "i17a-server", SERVER);
    const serverOut = new Lines(server.stdout!);
    const port = Number(await serverOut.waitFor((l) => /^\d+$/.test(l), "the server's port"));
    const client = pythonNamed(ns, "i17a-client", CLIENT.replace("int(sys.argv[1])", String(port)));
    const clientOut = new Lines(client.stdout!);
    const clientPort = Number((await clientOut.waitFor((l) => l.startsWith("connected"), "the client's connect")).split(" ")[1]);
    await serverOut.waitFor((l) => l === "accepted", "the accept");
    client.stdin!.write("\n");
    await serverOut.waitFor((l) => l === "closed", "the server's close");
    // The last change of each side: the server's LAST_ACK -> CLOSE ends its lifespan.
    await trace.out.waitFor((l) => l.includes('"kind":"lifespan"') && l.includes(`"localPort":${port},`), "the server side's lifespan");
    await trace.out.waitFor((l) => l.includes('"kind":"lifespan"') && l.includes(`"localPort":${clientPort},`), "the client side's lifespan");
    const ss = ns.run("ss", ["-tanH", "state", "time-wait"]).stdout;
    trace.child.kill("SIGINT");
    const exit = await trace.exited;
    client.kill();
    server.kill();

    const list = events(trace.out.lines);
    // The client (active opener, active closer), then the server's accepted socket (passive both ways).
    expect(path(list, clientPort, true)).toEqual(["SYN_SENT -> ESTABLISHED", "ESTABLISHED -> FIN_WAIT1", "FIN_WAIT1 -> FIN_WAIT2", "FIN_WAIT2 -> CLOSE"]);
    expect(list.find((e) => e.kind === "transition" && e.from === "CLOSE" && e.to === "SYN_SENT" && e.remotePort === port)).toMatchObject({ localPort: 0, process: "i17a-client", holderFrom: "context" });
    expect(path(list, clientPort, false)).toEqual(["LISTEN -> SYN_RECV", "SYN_RECV -> ESTABLISHED", "ESTABLISHED -> CLOSE_WAIT", "CLOSE_WAIT -> LAST_ACK", "LAST_ACK -> CLOSE"]);
    const serverSide = list.filter((e): e is TraceTransition => e.kind === "transition" && e.remotePort === clientPort);
    // Every change of the accepted socket is the server's: in its close(), or known from its listener.
    expect(new Set(serverSide.map((e) => e.process))).toEqual(new Set(["i17a-server"]));
    expect(serverSide.find((e) => e.from === "CLOSE_WAIT")).toMatchObject({ holderFrom: "context", context: "process" });
    expect(serverSide.find((e) => e.from === "LISTEN")).toMatchObject({ holderFrom: "listener", context: "softirq" });
    const listen = list.find((e) => e.kind === "transition" && e.to === "LISTEN" && e.localPort === port);
    expect(listen).toMatchObject({ from: "CLOSE", process: "i17a-server", pid: server.pid === undefined ? expect.any(Number) : expect.any(Number) });
    // One skaddr follows each socket through its changes.
    expect(new Set(serverSide.map((e) => e.skaddr)).size).toBe(1);
    const lifespans = list.filter((e): e is TraceLifespan => e.kind === "lifespan");
    expect(lifespans.find((e) => e.localPort === clientPort)).toMatchObject({ closer: "active", ended: "orderly", startSeen: true, process: "i17a-client" });
    expect(lifespans.find((e) => e.localPort === port)).toMatchObject({ closer: "passive", ended: "orderly", startSeen: true, process: "i17a-server" });
    // The active closer keeps TIME_WAIT (the kernel's timewait socket, which has no tracepoint): ss shows it.
    expect(ss).toMatch(new RegExp(`127\\.0\\.0\\.1:${clientPort}\\s+127\\.0\\.0\\.1:${port}`));
    // Ctrl-C: the summary, the exit code of an interrupt, no instance left.
    expect(exit.code).toBe(130);
    const summary = list.at(-1)!;
    expect(summary).toMatchObject({ kind: "summary", source: "tracefs", lost: 0, closed: 2 });
    expect(instanceExists(trace.pid)).toBe(false);
  });

  it("names the namespace on each line with -N all, and leaves other namespaces out by default", async () => {
    const all = await startTrace(["-N", "all", "--ndjson", "--port", "7001"]);
    const own = await startTrace(["--ndjson", "--port", "7001"]);
    const listener = pythonNamed(ns, "i17a-ns", 'import socket,sys\ns=socket.socket(); s.bind(("127.0.0.1", 7001)); s.listen(); print("up", flush=True); sys.stdin.read()');
    const line = await all.out.waitFor((l) => l.includes('"to":"LISTEN"'), "the listener under -N all");
    listener.kill();
    await all.out.waitFor((l) => l.includes('"from":"LISTEN","to":"CLOSE"'), "the listener's close under -N all");
    own.child.kill("SIGTERM");
    all.child.kill("SIGTERM");
    expect((await own.exited).code).toBe(143);
    expect((await all.exited).code).toBe(143);
    const inode = Number(/net:\[(\d+)\]/.exec(ns.run("readlink", ["/proc/self/ns/net"]).stdout)![1]);
    expect(JSON.parse(line)).toMatchObject({ netns: { inode }, process: "i17a-ns" });
    // The host's trace saw the namespace's events only as "left out".
    expect(events(own.out.lines).filter((e) => e.kind === "transition")).toEqual([]);
    expect(instanceExists(own.pid) || instanceExists(all.pid)).toBe(false);
  });

  it("reports a forced overrun on stderr and in the summary", async () => {
    const trace = await startTrace(["--ndjson", "--buffer-size", "4"], { netns: ns });
    const burst = ns.run("python3", ["-c", "import socket\ns=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(4096)\nfor i in range(3000):\n  c=socket.create_connection(s.getsockname()); a,_=s.accept(); c.close(); a.close()"]);
    expect(burst.status).toBe(0);
    const lost = await trace.err.waitFor((l) => /events? lost on CPU \d+/.test(l), "the overrun report");
    trace.child.kill("SIGINT");
    await trace.exited;
    const summary = events(trace.out.lines).at(-1)!;
    expect(summary.kind).toBe("summary");
    expect(summary.kind === "summary" && summary.lost).toBeGreaterThan(0);
    expect(lost).toMatch(/buffer-size/);
    expect(events(trace.out.lines).some((e) => e.kind === "lost")).toBe(true);
  });

  it("leaves no instance after --duration, and none after `| head -1`", async () => {
    const timed = await startTrace(["--duration", "300ms"], { netns: ns });
    expect(instanceExists(timed.pid)).toBe(true);
    const exit = await timed.exited;
    expect(exit.code).toBe(0);
    expect(timed.out.lines.join("\n")).toMatch(/--- trace summary: .* tracefs ---/);
    expect(instanceExists(timed.pid)).toBe(false);

    const sh = spawn("nsenter", ["-t", String(ns.pid), "-n", "sh", "-c", `'${process.execPath}' '${BIN}' trace | head -1`], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    const err = new Lines(sh.stderr!);
    const notice = await err.waitFor((l) => l.startsWith("tcpstat: tracing TCP"), "the piped trace's notice");
    const pid = Number(/tcpstat-(\d+)/.exec(notice)![1]);
    const done = new Promise((resolve) => sh.once("exit", resolve));
    // Changes until the pipeline ends: head takes the first line, tcpstat's next write finds the
    // pipe closed. One process makes them all: a change is told to this namespace by its
    // process's /proc entry, which a process that exits at once may no longer have when
    // tcpstat reads the event (such events are counted as left out, not shown).
    const changes = spawn("nsenter", ["-t", String(ns.pid), "-n", "python3", "-c", "import socket, time\nwhile True:\n  s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); s.close(); time.sleep(0.01)"], { stdio: "ignore" });
    try {
      await done;
    } finally {
      changes.kill("SIGKILL");
    }
    expect(instanceExists(pid)).toBe(false);
    expect(err.lines.filter((l) => !l.startsWith("tcpstat: tracing TCP"))).toEqual([]);
  });

  it("removes the instance a SIGKILLed run left, at the next run", async () => {
    const killed = await startTrace(["--ndjson"], { netns: ns });
    killed.child.kill("SIGKILL");
    await killed.exited;
    expect(instanceExists(killed.pid)).toBe(true);
    const next = await startTrace(["--duration", "100ms"], { netns: ns });
    await next.exited;
    expect(instanceExists(killed.pid)).toBe(false);
    expect(instanceExists(next.pid)).toBe(false);
  });
});

describe("tcpstat trace without tracefs (not root)", () => {
  it("says what is missing and follows the socket table, marked sampled; --exact exits 1", async () => {
    const exact = spawnSync("nsenter", ["-t", String(ns.pid), "-n", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, BIN, "trace", "--exact"], { encoding: "utf8" });
    expect(exact.status).toBe(1);
    expect(exact.stderr.trim().split("\n")).toHaveLength(1);
    expect(exact.stderr).toMatch(/^tcpstat: exact tracing is not possible: .*root/);

    const trace = await startTrace(["--ndjson"], { netns: ns, asNobody: true });
    const notice = trace.err.lines.find((l) => l.startsWith("tcpstat: no kernel tracing here"))!;
    expect(notice).toMatch(/every 100 ms/);
    expect(notice).toMatch(/sampled/);
    const listener = pythonNamed(ns, "i17a-sampled", 'import socket,sys\ns=socket.socket(); s.bind(("127.0.0.1", 7002)); s.listen(); print("up", flush=True); sys.stdin.read()');
    const line = await trace.out.waitFor((l) => l.includes('"localPort":7002') && l.includes('"to":"LISTEN"'), "the sampled listener");
    listener.kill();
    trace.child.kill("SIGINT");
    await trace.exited;
    expect(JSON.parse(line)).toMatchObject({ sampled: true, context: "sampled", from: "CLOSE", to: "LISTEN" });
    expect(events(trace.out.lines).at(-1)).toMatchObject({ kind: "summary", source: "sampled" });
  });
});
