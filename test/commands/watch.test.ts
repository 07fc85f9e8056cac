import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { WatchEventSchema, type WatchEvent } from "../../src/model/report.js";
import type { SocketRecord } from "../../src/model/socket.js";
import { SocketTracker, diffEvents } from "../../src/lib/watch-diff.js";
import { nodeComm } from "../helpers/comm.js";

/**
 * --watch as a user sees it: a namespace with a node server on 7000, a client that
 * connects while tcpstat watches and hangs up when the test sends it SIGUSR2 (SIGUSR1
 * belongs to node's inspector), once the watch has shown the connection.
 */

let ns: Netns;
const SERVER = `require("net").createServer((s) => s.resume()).listen(7000, "127.0.0.1", () => console.log("up"));`;
const CLIENT = `const c = require("net").connect(7000, "127.0.0.1", () => console.log(process.pid)); process.on("SIGUSR2", () => c.end()); c.resume(); c.on("close", () => process.exit(0));`;

beforeAll(async () => {
  ns = createNetns();
  const server = ns.spawn(process.execPath, ["-e", SERVER]);
  track(server);
  await waitFor(() => output.get(server)?.includes("up") ?? false, 20_000);
});
afterAll(() => ns?.close());

const output = new Map<ChildProcess, string>();
function track(child: ChildProcess): void {
  output.set(child, "");
  child.stdout?.on("data", (d) => output.set(child, output.get(child) + String(d)));
  void exited(child);
}

async function waitFor(ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The child's exit code once its output has all been read ("close", not "exit": what it
 * wrote last may still be in the pipe when it exits). Tracked children are followed from
 * their start, so a child that closed before it is asked about still answers.
 */
const closing = new WeakMap<ChildProcess, Promise<number | null>>();
function exited(child: ChildProcess): Promise<number | null> {
  let closed = closing.get(child);
  if (!closed) {
    closed = new Promise((resolve) => child.once("close", (code: number | null) => resolve(code)));
    closing.set(child, closed);
  }
  return closed;
}

describe("--watch --ndjson", () => {
  it("streams opened, state and closed events with timestamps and how long each socket was seen", async () => {
    const watch = ns.spawn(process.execPath, [BIN, "--watch", "0.3", "--count", "20", "--ndjson"], { env: { ...process.env, NO_COLOR: "1" } });
    track(watch);
    // Whole lines only: the last one may still be arriving.
    const events = () =>
      (output.get(watch) ?? "")
        .split("\n")
        .slice(0, -1)
        .map((l) => WatchEventSchema.parse(JSON.parse(l)));
    // The first reading: the listener, already open before the watch began.
    await waitFor(() => events().length > 0, 20_000);
    expect(events()).toEqual([
      expect.objectContaining({ event: "opened", initial: true, state: "LISTEN", socket: expect.objectContaining({ localPort: 7000 }) }),
    ]);
    const client = ns.spawn(process.execPath, ["-e", CLIENT]);
    track(client);
    await waitFor(() => /\d+\n/.test(output.get(client) ?? ""), 20_000);
    const clientPid = Number(output.get(client));
    // Both ends of the connection shown as opened; the client hangs up 1.5 s after the later
    // of the two, by the watch's own clock, so each end is seen that long on any machine.
    const openedEnds = () => events().filter((e) => e.event === "opened" && !e.initial && (e.socket.remotePort === 7000 || (e.socket.localPort === 7000 && e.socket.remotePort !== null)));
    await waitFor(() => openedEnds().length >= 2, 20_000);
    const shownAt = Math.max(...openedEnds().map((e) => Date.parse(e.time)));
    await waitFor(() => Date.now() >= shownAt + 1500, 20_000);
    process.kill(clientPid, "SIGUSR2");
    expect(await exited(client)).toBe(0);
    expect(await exited(watch)).toBe(0);

    const all: WatchEvent[] = events();
    const times = all.map((e) => Date.parse(e.time));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // The client's socket: new, then (after it hangs up) TIME_WAIT, its owner remembered.
    const opened = all.find((e) => e.event === "opened" && !e.initial && e.socket.remotePort === 7000);
    expect(opened).toMatchObject({ state: "ESTABLISHED", socket: { pid: clientPid, process: nodeComm() } });
    const moved = all.find((e) => e.event === "state" && e.socket.remotePort === 7000 && e.to === "TIME_WAIT");
    expect(moved).toMatchObject({ from: expect.stringMatching(/ESTABLISHED|FIN_WAIT2/), socket: { pid: clientPid } });
    // The server's side of that connection: accepted, then gone once both sides closed.
    const serverSide = opened!.socket.localPort;
    const gone = all.find((e) => e.event === "closed" && e.socket.localPort === 7000 && e.socket.remotePort === serverSide);
    expect(gone).toBeDefined();
    if (gone?.event !== "closed") throw new Error("unreachable");
    // It was held 1.5 s after the watch first showed it.
    expect(gone.seenMs).toBeGreaterThanOrEqual(900);
    expect(gone.seenMs).toBeLessThan(10_000);
  });
});

describe("--watch without a terminal", () => {
  it("appends one marked frame per interval", async () => {
    const watch = ns.spawn(process.execPath, [BIN, "--watch", "0.4", "--count", "14"], { env: { ...process.env, NO_COLOR: "1" } });
    track(watch);
    await waitFor(() => (output.get(watch) ?? "").includes("--- "), 20_000);
    const client = ns.spawn(process.execPath, ["-e", CLIENT]);
    track(client);
    await waitFor(() => /\d+\n/.test(output.get(client) ?? ""), 20_000);
    // The client hangs up once a frame has shown its connection.
    await waitFor(() => /^\+ +tcp .*127\.0\.0\.1:7000 +ESTABLISHED/m.test(output.get(watch) ?? ""), 20_000);
    process.kill(Number(output.get(client)), "SIGUSR2");
    expect(await exited(client)).toBe(0);
    expect(await exited(watch)).toBe(0);
    const frames = (output.get(watch) ?? "").split(/^--- /m).filter((f) => f !== "");
    expect(frames).toHaveLength(14);
    for (const f of frames) expect(f).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z ---\n/);
    expect(frames[0]).toMatch(/\n\d+ sockets?\n/); // the listener, and TIME_WAIT left by the test before
    const text = frames.join("");
    expect(text).toMatch(new RegExp(`^\\+ +tcp .*127\\.0\\.0\\.1:7000 +ESTABLISHED +\\d+/${nodeComm()}`, "m")); // the client appears
    expect(text).toMatch(/^~ +tcp .*127\.0\.0\.1:7000 +\S*>TIME_WAIT/m); // and moves to TIME_WAIT
    expect(text).toMatch(/^- +tcp +\S+ +\S+ +127\.0\.0\.1:7000 /m); // the server's side goes
    expect(text).toMatch(/\d+ sockets: 0 new, 0 gone, 0 changed state/);
  });

  it("summary --watch --oneline prints one line a frame; the table shows changes", () => {
    const r = runTcpstat(["summary", "--watch", "0.2", "--count", "3", "--oneline"], { netns: ns });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^\S+Z total=\d+ tcp=\d+ ESTABLISHED=\d+ .* LISTEN=1 CLOSING=0 udp=0$/);
    const table = runTcpstat(["summary", "--watch", "0.2", "--count", "2"], { netns: ns });
    const frames = table.stdout.split(/^--- /m).filter((f) => f !== "");
    expect(frames).toHaveLength(2);
    expect(frames[0]).toMatch(/^State +Count$/m);
    expect(frames[1]).toMatch(/^State +Count +Change$/m);
  });

  it("rejects bad watch flags with one line and exit 2", () => {
    const cases: Array<[string[], string]> = [
      [["--count", "3"], "tcpstat: --count needs --watch; add --watch [SECONDS], e.g. --watch 1 --count 5\n"],
      [["--watch", "soon"], "tcpstat: bad interval 'soon' for --watch; give seconds between 0.1 and 86400, e.g. --watch 2\n"],
      [["--watch", "1", "--count", "0"], "tcpstat: bad frame count '0' for --count; give a whole number of frames, 1 or more\n"],
      [["--watch", "--json"], "tcpstat: --watch shows a table or streams events; it cannot repeat --format json; use --watch alone, or --watch --ndjson for events\n"],
      [["summary", "--count", "2"], "tcpstat: --count needs --watch; add --watch [SECONDS], e.g. --watch 1 --count 5\n"],
    ];
    for (const [args, message] of cases) {
      const r = runTcpstat(args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toBe(message);
    }
  });
});

const hasScript = spawnSync("script", ["--version"]).status === 0;

describe.skipIf(!hasScript)("--watch on a terminal (through script(1)'s pseudo-terminal)", () => {
  const ENTER = "\x1b[?1049h\x1b[?25l";
  const LEAVE = "\x1b[?25h\x1b[?1049l";

  it("redraws in place on the alternate screen and restores the terminal at the end", () => {
    const r = ns.run("script", ["-qfec", `${process.execPath} ${BIN} --watch 0.2 --count 3`, "/dev/null"], { env: { ...process.env, NO_COLOR: "1", TERM: "xterm" } });
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith(ENTER)).toBe(true);
    expect(r.stdout.split("\x1b[H").length - 1).toBe(3); // three frames, each from the top
    const after = r.stdout.slice(r.stdout.indexOf(LEAVE) + LEAVE.length);
    expect(after).toMatch(/\d+ sockets?: 0 new/); // the last frame stays on the normal screen
  });

  it("Ctrl-C leaves the alternate screen and shows the cursor again", async () => {
    const child = spawn("nsenter", ["-t", String(ns.pid), "-n", "script", "-qfec", `${process.execPath} ${BIN} summary --watch 0.2`, "/dev/null"], {
      env: { ...process.env, NO_COLOR: "1", TERM: "xterm" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += String(d)));
    await waitFor(() => out.includes("ESTABLISHED"), 20_000);
    child.stdin.write("\x03");
    const code = await exited(child);
    expect(code).toBe(130);
    // Off the alternate screen, then the last frame again, time line first, on the normal screen (issue 14).
    expect(out).toContain(LEAVE);
    const after = out.slice(out.lastIndexOf(LEAVE) + LEAVE.length);
    expect(after).toMatch(/^--- \d{4}-\d\d-\d\dT[\d:.]+Z ---\r?\n/);
    expect(after).toContain("ESTABLISHED");
  });
});

describe("SocketTracker", () => {
  const rec = (over: Partial<SocketRecord>): SocketRecord => ({
    proto: "tcp", family: "ipv4", localAddress: "127.0.0.1", localPort: 40000, remoteAddress: "127.0.0.1", remotePort: 80,
    state: "ESTABLISHED", recvQ: 0, sendQ: 0, pid: 42, process: "curl", uid: 0, user: "root", inode: 1234, timer: null, ...over,
  });

  it("follows a connection into TIME_WAIT (inode 0, no owner) as a change of state, then its close", () => {
    const t = new SocketTracker();
    expect(diffEvents(t.update([], 1_000))).toEqual([]);
    const open = diffEvents(t.update([rec({})], 2_000));
    expect(open).toEqual([
      { event: "opened", time: "1970-01-01T00:00:02.000Z", initial: false, state: "ESTABLISHED", socket: expect.objectContaining({ pid: 42 }) },
    ]);
    const tw = diffEvents(t.update([rec({ state: "TIME_WAIT", inode: 0, pid: null, process: null })], 3_500));
    expect(tw).toEqual([
      expect.objectContaining({ event: "state", from: "ESTABLISHED", to: "TIME_WAIT", seenMs: 1_500, socket: expect.objectContaining({ pid: 42, process: "curl" }) }),
    ]);
    const closed = diffEvents(t.update([], 60_000));
    expect(closed).toEqual([expect.objectContaining({ event: "closed", state: "TIME_WAIT", seenMs: 58_000 })]);
  });

  it("keeps two listeners on one port (SO_REUSEPORT) apart", () => {
    const t = new SocketTracker();
    const a = rec({ state: "LISTEN", remoteAddress: null, remotePort: null, inode: 1 });
    const b = { ...a, inode: 2, pid: 43 };
    expect(diffEvents(t.update([a, b], 0))).toHaveLength(2);
    expect(diffEvents(t.update([b, a], 1))).toEqual([]);
  });

  // Seen in `tcpstat lab server-ctrl-c` sampled at 50 Hz: the server accepted while the client's
  // row was being read, and the kernel's second read() of /proc/net/tcp gave the client's row again.
  it("takes a row the kernel repeated in one reading (same endpoints, same inode) as one socket", () => {
    const t = new SocketTracker();
    t.update([], 0);
    const client = rec({ inode: 7 });
    expect(diffEvents(t.update([client, { ...client }], 1))).toEqual([expect.objectContaining({ event: "opened", state: "ESTABLISHED" })]);
    expect(diffEvents(t.update([client], 2))).toEqual([]);
    // The same for a timewait row (inode 0), and two different sockets with one 4-tuple stay two.
    const tw = rec({ state: "TIME_WAIT", inode: 0, pid: null, process: null });
    expect(diffEvents(t.update([tw, { ...tw }], 3))).toEqual([expect.objectContaining({ event: "state", from: "ESTABLISHED", to: "TIME_WAIT" })]);
    expect(diffEvents(t.update([tw, rec({ state: "SYN_SENT", inode: 9 })], 4))).toEqual([expect.objectContaining({ event: "opened", state: "SYN_SENT" })]);
  });

  // Also seen in the lab: the server's end read before accept() gave it an inode and again after.
  it("takes a connection read before and after accept() (inode 0, then its inode) as one socket", () => {
    const t = new SocketTracker();
    t.update([], 0);
    const server = rec({ localPort: 80, remotePort: 40000, pid: 7, process: "nginx", inode: 55 });
    const unaccepted = { ...server, inode: 0, pid: null, process: null };
    expect(diffEvents(t.update([unaccepted, server], 1))).toEqual([expect.objectContaining({ event: "opened", socket: expect.objectContaining({ pid: 7 }) })]);
    expect(diffEvents(t.update([server], 2))).toEqual([]);
  });
});
