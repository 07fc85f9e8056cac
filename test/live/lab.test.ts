import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { BIN, runTcpstat } from "../helpers/cli.js";

/**
 * `tcpstat lab SCENARIO` run for real (we are root): each scenario's transitions, socket by
 * socket, follow the path the state diagram gives that side; the listings show the owners
 * (lab-server, lab-client, or nobody); and nothing of the lab is left afterwards, however it ends.
 */

const NOBODY = ["--reuid=65534", "--regid=65534", "--clear-groups"];
const TRACEFS = "/sys/kernel/tracing/instances";
/** Whether lab can trace here: tracefs mounted, or a kernel with tracefs that root mounts itself. */
const TRACEABLE = existsSync(TRACEFS) || (process.getuid?.() === 0 && readFileSync("/proc/filesystems", "utf8").includes("\ttracefs"));
const instanceOf = (pid: number) => `${TRACEFS}/tcpstat-${pid}`;
type Path = string[];

/** The diagram's path for each kind of socket, as (side, path) pairs, one per socket. */
const OPEN_SERVER = ["LISTEN", "SYN_RECV", "ESTABLISHED"];
const OPEN_CLIENT = ["CLOSE", "SYN_SENT", "ESTABLISHED"];
const ACTIVE = ["FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT"];
const PASSIVE = ["CLOSE_WAIT", "LAST_ACK", "CLOSE"];
const LISTENER = ["CLOSE", "LISTEN"];

const EXPECTED: Record<string, Array<[side: "listener" | "server" | "client", path: Path]>> = {
  handshake: [["listener", LISTENER], ["server", [...OPEN_SERVER, ...PASSIVE]], ["client", [...OPEN_CLIENT, ...ACTIVE]]],
  "server-ctrl-c": [["listener", [...LISTENER, "CLOSE"]], ["server", [...OPEN_SERVER, ...ACTIVE]], ["client", [...OPEN_CLIENT, ...PASSIVE]]],
  "client-ctrl-c": [["listener", LISTENER], ["server", [...OPEN_SERVER, ...PASSIVE]], ["client", [...OPEN_CLIENT, ...ACTIVE]]],
  refused: [["client", ["CLOSE", "SYN_SENT", "CLOSE"]]],
  "time-wait": [
    ["listener", LISTENER],
    ["server", [...OPEN_SERVER, ...PASSIVE]],
    ["client", [...OPEN_CLIENT, ...ACTIVE]],
    ["server", [...OPEN_SERVER, ...ACTIVE]],
    ["client", [...OPEN_CLIENT, ...PASSIVE]],
  ],
  // Both close actively; the side whose FIN is still unacknowledged when the other's arrives
  // passes through CLOSING (which one depends on whose timer fires first), at least one does.
  "simultaneous-close": [["listener", LISTENER], ["server", [...OPEN_SERVER, ...ACTIVE]], ["client", [...OPEN_CLIENT, ...ACTIVE]]],
  "close-wait-leak": [
    ["listener", [...LISTENER, "CLOSE"]],
    ...[1, 2, 3].flatMap((): Array<["server" | "client", Path]> => [["server", [...OPEN_SERVER, ...PASSIVE]], ["client", [...OPEN_CLIENT, ...ACTIVE]]]),
  ],
};

interface Run {
  out: string;
  traced: boolean;
  /** Each socket's states in the order seen, by "local → remote". */
  paths: Map<string, Path>;
  /** Who each transition line names: [side, process, from the listing?]. */
  owners: Array<[string, string, boolean]>;
  /** The listing rows of each step: [recvQ, local, remote, state, owner]. */
  listings: string[][][];
  nsId: string;
  pids: number[];
  /** The server's port, drawn for the run; nothing listens on the one above. */
  port: number;
}

/** "    +0.412s  server  127.0.0.1:7000 → 127.0.0.1:41234  ESTABLISHED → FIN_WAIT1  lab-server  [from the listing: ...]" */
const TRANSITION = /^ {4}\+\d+\.\d{3}s {2}(server|client) {2}(\S+) → (\S+) {2}([A-Z_0-9]+) → ([A-Z_0-9]+) {2}(\S+)( {2}\[from the listing: .*\])?$/;

function parse(out: string): Run {
  const paths = new Map<string, Path>();
  const owners: Array<[string, string, boolean]> = [];
  const listings: string[][][] = [];
  for (const step of out.split(/^Step \d+\/\d+: /m).slice(1)) {
    const rows: string[][] = [];
    for (const line of step.split("\n")) {
      const t = TRANSITION.exec(line);
      if (t) {
        const key = `${t[2]} → ${t[3]}`;
        const path = paths.get(key) ?? [t[4]!];
        expect(path.at(-1), `${key}: ${line}`).toBe(t[4]);
        path.push(t[5]!);
        paths.set(key, path);
        owners.push([t[1]!, t[6]!, t[7] !== undefined]);
        continue;
      }
      const row = /^ {4}net:\[\d+\] +tcp +(\d+) +\d+ +(\S+) +(\S+) +(\S+) +(\S+)/.exec(line);
      if (row) rows.push(row.slice(1));
    }
    listings.push(rows);
  }
  const header = /namespace \((net:\[\d+\]), held by pid (\d+)\); server lab-server pid (\d+) \(port (\d+)\), client lab-client pid (\d+)/.exec(out);
  expect(header, out).not.toBeNull();
  return {
    port: Number(header![4]), out, traced: out.includes("Transitions (traced):"), paths, owners, listings, nsId: header![1]!, pids: [header![2], header![3], header![5]].map(Number) };
}

/** `sub` appears in `path` in order, ending where it ends (the outcome every step waits for). */
const follows = (sub: Path, path: Path) => {
  let i = 0;
  for (const s of path) if (s === sub[i]) i++;
  return i === sub.length && sub.at(-1) === path.at(-1);
};

/**
 * The lab's processes still there (in its namespace, or by pid), by their names. Only ours
 * count: a namespace's inode number is soon given to another one (other tests make many).
 */
function leftovers(run: Pick<Run, "nsId" | "pids">): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      if (!["tcpstat-lab", "lab-server", "lab-client"].includes(comm)) continue;
      if (readlinkSync(`/proc/${pid}/ns/net`) === run.nsId || run.pids.includes(Number(pid))) found.push(`${pid} ${comm}`);
    } catch {
      // gone meanwhile, or a kernel thread
    }
  }
  return found;
}

const sideOf = (key: string, port: number) => (key.endsWith("*:*") ? "listener" : [port, port + 1].includes(Number(/:(\d+) →/.exec(key)![1])) ? "server" : "client");

/**
 * Each socket's states follow the diagram's path for its side. Traced, every change is seen:
 * the paths are equal, and each change names the lab's program on that side (only what a
 * listing added, a timewait socket's move, may name nobody). Sampled, a socket is new
 * (CLOSE -> its state) when first seen and states between two listings may be missed.
 */
function expectDiagramPaths(scenario: string, run: Run): void {
  const seen = [...run.paths].map(([key, path]) => [sideOf(key, run.port), path] as const);
  const expected = EXPECTED[scenario]!;
  // Traced, every socket is seen; sampled, one that lived between two listings is not (refused's).
  if (run.traced) expect(seen.map(([side]) => side).sort()).toEqual(expected.map(([side]) => side).sort());
  // Sockets of one side are matched in the order they appeared.
  for (const side of ["listener", "server", "client"]) {
    const got = seen.filter(([s]) => s === side).map(([, p]) => p);
    const want = expected.filter(([s]) => s === side).map(([, p]) => p);
    expect(got.length).toBeLessThanOrEqual(want.length);
    for (const [i, path] of got.entries()) {
      if (scenario === "simultaneous-close" && path.includes("CLOSING")) {
        expect(path.slice(-3)).toEqual(["FIN_WAIT1", "CLOSING", "TIME_WAIT"]);
        path.splice(-2, 1, "FIN_WAIT2");
      }
      if (run.traced) expect(path, `${scenario} ${side} ${i}`).toEqual(want[i]);
      else expect(follows(path.slice(1), want[i]!), `${scenario} ${side} ${i}: ${path.join(" ")} vs ${want[i]!.join(" ")}`).toBe(true);
    }
  }
  // Sampled, CLOSING (one retransmission long) may fall between two listings.
  if (scenario === "simultaneous-close" && run.traced) expect(run.out).toMatch(/ FIN_WAIT1 → CLOSING /);
  if (run.traced) for (const [side, process, listed] of run.owners) expect([`lab-${side}`, ...(listed ? ["-"] : [])]).toContain(process);
}

describe("tcpstat lab", () => {
  it("lists its scenarios without one", () => {
    const r = runTcpstat(["lab"]);
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n").filter((l) => /^[a-z-]+ {2,}\S/.test(l)).map((l) => l.split(" ")[0])).toEqual(Object.keys(EXPECTED));
  });

  it.each(Object.keys(EXPECTED))("%s: each socket follows its side's path in the state diagram, and nothing is left", (scenario) => {
    const r = runTcpstat(["lab", scenario]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const run = parse(r.stdout);
    expect(run.traced, "tracefs is there (or root can mount it): the lab must trace").toBe(TRACEABLE);
    expectDiagramPaths(scenario, run);
    expect(r.stdout).toMatch(/Done: the namespace and its processes are gone\.\n$/);
    expect(leftovers(run)).toEqual([]);
  });

  // An unprivileged user is root in a user namespace of its own: enough for a network
  // namespace, not for tracefs. CI images that forbid such namespaces skip this, saying so.
  const userns = spawnSync("setpriv", [...NOBODY, "unshare", "-U", "-r", "true"]).status === 0;
  it.skipIf(!userns).each(["server-ctrl-c", "simultaneous-close"])("%s without tracefs: says so once on stderr, and the sampled changes follow the diagram", (scenario) => {
    const r = spawnSync("setpriv", [...NOBODY, "unshare", "-U", "-r", process.execPath, BIN, "lab", scenario], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^tcpstat: lab: transitions sampled from listings every 20 ms, short states missed: no trace: [^\n]+\n$/);
    const run = parse(r.stdout);
    expect(run.traced).toBe(false);
    expectDiagramPaths(scenario, run);
    expect(leftovers(run)).toEqual([]);
  });
  if (!userns) it.skip("without tracefs: skipped, this machine does not let an unprivileged user make a user namespace", () => {});

  it("server-ctrl-c: the killed server's side is FIN_WAIT2 owned by nobody, the client's CLOSE_WAIT with Recv-Q 1", () => {
    const run = parse(runTcpstat(["lab", "server-ctrl-c"]).stdout);
    const afterKill = run.listings[2]!;
    const [server, client] = [afterKill.find((row) => row[1]!.endsWith(`:${run.port}`)), afterKill.find((row) => row[2]!.endsWith(`:${run.port}`))];
    expect(server?.slice(3)).toEqual(["FIN_WAIT2", "-"]);
    expect(client?.[0]).toBe("1");
    expect(client?.slice(3)).toEqual(["CLOSE_WAIT", `${run.pids[2]}/lab-client`]);
    expect(afterKill.some((row) => row[3] === "LISTEN")).toBe(false);
    // Then the client closes: the passive side is gone, the killed side keeps TIME_WAIT.
    expect(run.listings[3]!.map((row) => [row[1], row[3], row[4]])).toEqual([[`127.0.0.1:${run.port}`, "TIME_WAIT", "-"]]);
  });

  it("refused: connect() fails with ECONNREFUSED and no socket is left", () => {
    const run = parse(runTcpstat(["lab", "refused"]).stdout);
    expect(run.out).toContain("connect() failed with ECONNREFUSED.");
    if (run.traced) {
      const closed = `127\\.0\\.0\\.1:${run.port + 1}`;
      expect(run.out).toMatch(new RegExp(`^ {4}\\+\\S+ {2}server {2}${closed} → 127\\.0\\.0\\.1:\\d+ {2}reset sent \\(no socket on that port\\)`, "m"));
      expect(run.out).toMatch(new RegExp(`^ {4}\\+\\S+ {2}client {2}127\\.0\\.0\\.1:\\d+ → ${closed} {2}reset received {2}lab-client$`, "m"));
    }
    expect(run.listings).toEqual([[]]);
  });

  it("close-wait-leak: the server's three CLOSE_WAIT sockets are its own, the clients' FIN_WAIT2 nobody's", () => {
    const run = parse(runTcpstat(["lab", "close-wait-leak"]).stdout);
    const leak = run.listings[1]!;
    expect(leak.filter((row) => row[3] === "CLOSE_WAIT").map((row) => [row[0], row[4]])).toEqual(Array(3).fill(["0", `${run.pids[1]}/lab-server`]));
    expect(leak.filter((row) => row[3] === "FIN_WAIT2").map((row) => row[4])).toEqual(["-", "-", "-"]);
  });

  /** Starts a scenario and resolves, once its second step has begun, with its namespace and pids. */
  async function started(scenario: string) {
    const child = spawn(process.execPath, [BIN, "lab", scenario], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    const header = await lineFrom(child, "lab", /(namespace \(net:\[\d+\], held by pid \d+\); server lab-server pid \d+ \(port \d+\), client lab-client pid \d+)[^]*\nStep 2\//);
    const nsId = /net:\[\d+\]/.exec(header)![0];
    const pids = [...header.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return { child, nsId, pids, exit };
  }

  /** Waits for each process to be gone (they end by themselves), up to 10 s. */
  const gone = (pids: number[]) => pids.forEach((pid) => spawnSync("sh", ["-c", `while kill -0 ${pid} 2>/dev/null; do sleep 0.02; done`], { timeout: 10_000 }));

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("cleans up on %s in the middle of a scenario (exit %i)", async (signal, code) => {
    const lab = await started("close-wait-leak");
    lab.child.kill(signal);
    expect(await lab.exit).toBe(code);
    // Cleaned up before the exit: nothing to wait for, and its tracefs instance is gone too.
    expect(leftovers(lab)).toEqual([]);
    expect(existsSync(instanceOf(lab.child.pid!))).toBe(false);
  });

  // Ctrl-C typed on a terminal (script(1)'s pseudo-terminal): the terminal signals its
  // foreground process group, which holds tcpstat alone (its programs run in sessions of their own).
  const hasScript = spawnSync("script", ["--version"]).status === 0;
  it.skipIf(!hasScript)("cleans up on Ctrl-C typed on its terminal (exit 130)", async () => {
    const child = spawn("script", ["-qfec", `exec ${process.execPath} ${BIN} lab close-wait-leak`, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    const header = await lineFrom(child, "lab on a terminal", /(namespace \(net:\[\d+\], held by pid \d+\); server lab-server pid \d+ \(port \d+\), client lab-client pid \d+)[^]*\nStep 2\//);
    const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.stdin!.write("\x03");
    expect(await exit).toBe(130);
    const nsId = /net:\[\d+\]/.exec(header)![0];
    expect(leftovers({ nsId, pids: [...header.matchAll(/pid (\d+)/g)].map((m) => Number(m[1])) })).toEqual([]);
  });
  if (!hasScript) it.skip("Ctrl-C on a terminal: skipped, script(1) is not installed", () => {});

  it("leaves nothing behind when it is killed with SIGKILL: its programs go when their channel closes", async () => {
    const lab = await started("close-wait-leak");
    lab.child.kill("SIGKILL");
    await lab.exit;
    gone(lab.pids);
    expect(leftovers(lab)).toEqual([]);
    // A SIGKILLed run cannot remove its tracefs instance: the next run does.
    if (existsSync(TRACEFS)) {
      expect(runTcpstat(["lab", "refused"]).status).toBe(0);
      expect(existsSync(instanceOf(lab.child.pid!))).toBe(false);
    }
  });

  it("leaves nothing behind when its reader goes away (| head -2)", () => {
    const r = spawnSync("sh", ["-c", `"${process.execPath}" "${BIN}" lab close-wait-leak | head -2`], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(r.stderr).toBe("");
    const header = r.stdout.split("\n")[1]!;
    const nsId = /net:\[\d+\]/.exec(header)![0];
    const pids = [...header.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(3);
    gone(pids);
    expect(leftovers({ nsId, pids })).toEqual([]);
  });

  it("refuses to run without root, in one line, exit 1", () => {
    const r = spawnSync("setpriv", [...NOBODY, process.execPath, BIN, "lab", "handshake"], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("tcpstat: lab needs root: it creates a private network namespace; run it as root: sudo tcpstat lab handshake\n");
    expect(r.stdout).toBe("");
  });

  it("rejects an unknown scenario with a suggestion, exit 2", () => {
    const r = runTcpstat(["lab", "time_wait"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^tcpstat: unknown lab scenario 'time_wait' \(did you mean time-wait\?\); choose one of: handshake, server-ctrl-c, /);
  });
});
