import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../../helpers/child-output.js";
import { BIN, runTcpstat } from "../../helpers/cli.js";
import { createNetns, type Netns } from "../../helpers/netns.js";
import { nodeComm } from "../../helpers/comm.js";

/** The peer's process name, as this Node version has it ("node", "MainThread", "node-MainThread"). */
const NODE = nodeComm().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * `tcpstat top` on a real terminal (tmux, 110 x 24), in a fresh namespace where a peer
 * (test/helpers/top-peer.cjs) holds listeners and opens, closes and pumps connections on
 * command. Every key is sent and the screen read back (with colours: FORCE_COLOR, capture-pane
 * -e); each wait is for the screen or the peer to show something, never a fixed time.
 */

const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const LISTENERS = fileURLToPath(new URL("../../live/exposure-listeners.py", import.meta.url));
/** Where a process can be moved into a cgroup made here: the v1 name=systemd hierarchy, else v2. */
const CGROUP_ROOT = ["/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"].find((d) => existsSync(join(d, "cgroup.procs"))) ?? null;
const cgroups: string[] = [];
const nets: Netns[] = [];
const PEER = fileURLToPath(new URL("../../helpers/top-peer.cjs", import.meta.url));
const A = 18_971;
const B = 18_972;
const WIDTH = 110;
const HEIGHT = 24;
let ns: Netns;
let peer: ChildProcess;
const said: string[] = [];
const sessions: string[] = [];
const others: ChildProcess[] = [];

/** Starts a process inside the namespace whose stdout lines are collected into `into`. */
function inside(args: string[], into: string[], where: Netns = ns): ChildProcess {
  const child = spawn("nsenter", ["-t", String(where.pid), "-n", process.execPath, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  let buf = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    buf += d;
    const lines = buf.split("\n");
    buf = lines.pop()!;
    into.push(...lines);
  });
  others.push(child);
  return child;
}

async function until<T>(test: () => T | undefined | false | null, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = test();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen:\n${lastScreen}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

/** The peer's answer to a command: the first new line matching `pattern`. */
async function ask(command: string, pattern: RegExp, to = peer, lines = said): Promise<RegExpExecArray> {
  const from = lines.length;
  to.stdin!.write(`${command}\n`);
  return until(() => lines.slice(from).map((l) => pattern.exec(l)).find(Boolean), `the peer to answer ${command}`);
}

const tmux = (...args: string[]) => spawnSync("tmux", args, { encoding: "utf8" });
/** The screen as text, or with its colours as tmux re-encodes them (capture-pane -e). */
let lastScreen = "";
const screen = (name: string, colours = false) => (lastScreen = tmux("capture-pane", "-p", ...(colours ? ["-e"] : []), "-t", name).stdout);
const keys = (name: string, ...k: string[]) => tmux("send-keys", "-t", name, ...k);
const typed = (name: string, text: string) => tmux("send-keys", "-t", name, "-l", text);
const lineWith = (text: string, needle: string) => text.split("\n").find((l) => l.includes(needle));

/**
 * c, then y, on the selected row (the connection from `port` to `remote`): the close is said,
 * and both ends see it in the peer's lines (`lines`): the holder its connection aborted, the
 * other end a reset.
 */
async function closeSelected(name: string, port: number, remote: number, lines: string[]): Promise<void> {
  keys(name, "c");
  await until(() => screen(name).includes("Close tcp"), "the question");
  const from = lines.length;
  keys(name, "y");
  await until(() => screen(name).includes(`closed 127.0.0.1:${port} -> 127.0.0.1:${remote}`), "the close said");
  await until(() => lines.slice(from).includes(`client-error ${port} ECONNABORTED`), "the holder to see it");
  await until(() => lines.slice(from).includes(`server-error ${port} ECONNRESET`), "the peer to see it");
}

/** Back to the connections table, no filter, no panel (whatever a failed test left). */
async function reset(name: string): Promise<void> {
  keys(name, "Escape");
  keys(name, "Escape");
  await until(() => screen(name).includes("Local Address") && !screen(name).includes("Filter:"), "the plain table");
}

/** tcpstat top in a tmux pane; the pane says EXIT=<status> when it ends. */
async function start(name: string, env = "FORCE_COLOR=1", width = WIDTH, args = ""): Promise<void> {
  sessions.push(name);
  const command = `nsenter -t ${ns.pid} -n env ${env} TERM=xterm ${process.execPath} ${BIN} top --interval 0.3 --no-trace ${args}; echo EXIT=$?; sleep 600`;
  expect(tmux("new-session", "-d", "-s", name, "-x", String(width), "-y", String(HEIGHT), command).status).toBe(0);
  await until(() => screen(name).includes("? help"), "the first frame");
}

beforeAll(async () => {
  ns = createNetns();
  peer = inside([PEER, String(A), String(B)], said);
  await until(() => said.includes("ready"), "the peer");
});
afterAll(async () => {
  for (const s of sessions) tmux("kill-session", "-t", s);
  const exits = others.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => once(c, "exit"));
  for (const c of others) c.kill("SIGKILL");
  ns?.close();
  for (const n of nets) n.close();
  // A cgroup can be removed once its processes are gone, deepest first.
  await Promise.all(exits);
  const dirs = new Set<string>();
  for (const dir of cgroups) for (let d = dir; /\/i20test(\.slice)?(\/|$)/.test(d); d = d.slice(0, d.lastIndexOf("/"))) dirs.add(d);
  for (const d of [...dirs].sort((x, y) => y.split("/").length - x.split("/").length)) rmdirSync(d);
});

describe.skipIf(!hasTmux)("tcpstat top on a terminal", () => {
  const name = `s2-20-top-${process.pid}`;
  let kept = 0;
  let gone = 0;
  let pumped = 0;

  it("draws the header, the connections with bytes/s and holders, and the footer", async () => {
    kept = Number((await ask(`open ${A}`, /^opened (\d+)/))[1]);
    gone = Number((await ask(`open ${A}`, /^opened (\d+)/))[1]);
    pumped = Number((await ask("pump", /^pumping (\d+)/))[1]);
    await start(name);
    // The pumped connection moves bytes: its Sent/s shows a rate, and node leads the busiest.
    const text = await until(() => {
      const s = screen(name);
      return new RegExp(`busiest: ${NODE} \\d`).test(s) && lineWith(s, `127.0.0.1:${pumped} `)?.match(/ESTABLISHED\s+\d+(\.\d)?[kMG]?\s/) ? s : null;
    }, "a rate on the pumped connection");
    const lines = text.replace(/\n+$/, "").split("\n");
    expect(lines[0]).toMatch(/^tcpstat top {2}8 sockets {2}ESTABLISHED 6 {2}LISTEN 2$/);
    expect(lines[1]).toMatch(/^refresh \d+(\.\d)? ms every .* {2}transitions\/s: off {2}busiest: /);
    expect(lines[2]).toMatch(/^ {2}Proto +Local Address +Remote Address +State +Sent\/s▼ +Recv\/s +PID\/Program/);
    expect(lines.at(-1)).toMatch(/^\? help {2}\/ filter/);
    expect(lines.length).toBe(HEIGHT);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(WIDTH);
    // Both listeners and the six ends of the three connections, each held by the peer (node).
    expect(lines.filter((l) => new RegExp(`\\d+/${NODE}`).test(l))).toHaveLength(8);
    expect(text).toMatch(new RegExp(`^[> ] tcp +127\\.0\\.0\\.1:${A} +0\\.0\\.0\\.0:\\* +LISTEN +\\d+/${NODE}`, "m"));
  });

  it("a connection opened shows green, one closed shows red, then goes", async () => {
    const opened = Number((await ask(`open ${B}`, /^opened (\d+)/))[1]);
    // A row of the connection (either end) marked and painted: "+" green, "-" red.
    const marked = (port: number, lead: string, colour: string) =>
      screen(name, true).split("\n").some((l) => l.includes(`127.0.0.1:${port} `) && l.replace(/\x1b\[[0-9;]*m/g, "")[1] === lead && l.includes(colour));
    await until(() => marked(opened, "+", "\x1b[32m"), "the new connection in green");
    await ask(`close ${gone}`, /^closed/);
    // The server's end goes away (red); the client's end stays, in TIME_WAIT: a change (yellow).
    const timeWait = () => screen(name, true).split("\n").some((l) => l.includes(`127.0.0.1:${gone} `) && l.includes("TIME_WAIT") && /^.~/.test(l.replace(/\x1b\[[0-9;]*m/g, "")) && l.includes("\x1b[33m"));
    await until(timeWait, "the client's end in TIME_WAIT, yellow");
    await until(() => marked(gone, "-", "\x1b[31m"), "the closed connection in red");
    await until(() => !screen(name).split("\n").some((l) => l.includes(`127.0.0.1:${gone} `) && /^.-/.test(l)), "the red row to go");
  });

  it("/ filters as you type, to exactly the rows the command line's language selects", async () => {
    await reset(name);
    keys(name, "/");
    typed(name, `dport = :${B}`);
    const text = await until(() => (screen(name).includes(`Filter: dport = :${B}`) ? screen(name) : null), "the filter line");
    const rows = text.split("\n").filter((l) => /^[> ][ +~-]tcp/.test(l)).map((l) => l.split(/\s+/).filter((w) => /:\d+$/.test(w)).join(" "));
    const ss = ns.run("ss", ["-tanH", "dport", "=", `:${B}`]).stdout.trim().split("\n").map((l) => l.split(/\s+/).slice(3, 5).join(" "));
    expect(rows.sort()).toEqual(ss.sort());
    expect(rows.length).toBeGreaterThan(0);
    keys(name, "Escape");
    await until(() => !screen(name).includes("Filter:"), "the filter to clear");
  });

  it("sorts by a column chosen by number, and reverses it", async () => {
    await reset(name);
    keys(name, "2");
    const local = (s: string) => s.split("\n").filter((l) => /^[> ][ +~-]tcp/.test(l)).map((l) => Number(/:(\d+) /.exec(l)![1]));
    const up = await until(() => (screen(name).includes("Local Address▲") ? local(screen(name)) : null), "the Local column sorted");
    expect(up).toEqual([...up].sort((a, b) => a - b));
    keys(name, "2");
    const down = await until(() => (screen(name).includes("Local Address▼") ? local(screen(name)) : null), "the sort reversed");
    expect(down).toEqual([...down].sort((a, b) => b - a));
    keys(name, "i");
    await until(() => screen(name).includes("Local Address▲"), "i to reverse it back");
    // > and < move the sort to the next column and back.
    keys(name, ">");
    const byRemote = await until(() => (screen(name).includes("Remote Address▲") ? screen(name) : null), "the sort on Remote Address");
    const ports = byRemote.split("\n").filter((l) => /^[> ][ +~-]tcp/.test(l)).map((l) => l.replace(/^..\S+\s+\S+\s+/, "").split(/\s+/)[0]!);
    // Listeners (0.0.0.0:*) first, then the peers' ports in order.
    const peers = ports.filter((p) => p.startsWith("127.0.0.1:")).map((p) => Number(p.split(":")[1]));
    expect(ports.slice(0, ports.length - peers.length).every((p) => p === "0.0.0.0:*")).toBe(true);
    expect(peers).toEqual([...peers].sort((a, b) => a - b));
    keys(name, "<");
    await until(() => screen(name).includes("Local Address▲"), "< back to Local Address");
    // The selection: Home, Down, End, Up.
    const selected = () => screen(name).split("\n").filter((l) => /^[> ][ +~-]tcp/.test(l)).findIndex((l) => l.startsWith(">"));
    const count = () => screen(name).split("\n").filter((l) => /^[> ][ +~-]tcp/.test(l)).length;
    keys(name, "Home");
    await until(() => selected() === 0, "Home: the first row");
    keys(name, "Down");
    await until(() => selected() === 1, "Down: the second row");
    keys(name, "End");
    await until(() => selected() === count() - 1, "End: the last row");
    keys(name, "Up");
    await until(() => selected() === count() - 2, "Up: the one before");
  });

  it("g groups by process, port, state and container, with counts and bytes/s", async () => {
    await reset(name);
    keys(name, "g");
    const byProcess = await until(() => (screen(name).includes("By process") ? screen(name) : null), "grouping by process");
    expect(lineWith(byProcess, `/${nodeComm()}`)).toMatch(new RegExp(`/${NODE}\\s+\\d+\\s+\\S+\\s+\\S+`));
    keys(name, "g");
    const byPort = await until(() => (screen(name).includes("By port") ? screen(name) : null), "grouping by port");
    expect(lineWith(byPort, `tcp ${A} `)).toMatch(new RegExp(`tcp ${A}\\s+\\d+`));
    keys(name, "g");
    expect(lineWith(await until(() => (screen(name).includes("By state") ? screen(name) : null), "by state"), "LISTEN ")).toMatch(/LISTEN\s+2\s/);
    keys(name, "g");
    expect(lineWith(await until(() => (screen(name).includes("By container") ? screen(name) : null), "by container"), "(no container)")).toMatch(/\(no container\)\s+\d+/);
    keys(name, "g");
    await until(() => screen(name).includes("Local Address"), "the connections again");
  });

  it("Enter opens the details: holders with command lines, tcp_info, the state explained, doctor", async () => {
    await reset(name);
    keys(name, "/");
    typed(name, `sport = :${kept}`);
    keys(name, "Enter");
    await until(() => /^>[ +~-]tcp/m.test(screen(name)) && screen(name).includes(`Filter: sport = :${kept}`), "the one row");
    keys(name, "Enter");
    // A command line longer than the pane goes on in lines indented by 4: joined back here.
    const whole = () => screen(name).replace(/\n {4}/g, "");
    const text = await until(() => (/Holders[\s\S]*top-peer\.cjs[\s\S]*bytes_acked \d+/.test(whole()) ? whole() : null), "the details");
    expect(text).toMatch(new RegExp(`Connection {2}tcp {2}127\\.0\\.0\\.1:${kept} -> 127\\.0\\.0\\.1:${A} {2}ESTABLISHED`));
    expect(text).toMatch(new RegExp(`\\d+/${NODE} user root fd \\d+: \\S*node \\S*top-peer\\.cjs`));
    // tcp_info: every field ss prints for it, by ss's names, those the model keeps and the others.
    const said = ns.run("ss", ["-tinHOe", "sport", "=", `:${kept}`]).stdout;
    for (const name of ["rto", "rtt", "mss", "pmtu", "rcvmss", "advmss", "cwnd", "bytes_acked", "segs_out", "segs_in", "rcv_space", "snd_wnd"]) {
      expect(said).toMatch(new RegExp(`\\b${name}:`));
      expect(text).toMatch(new RegExp(`\\b${name} \\S+`));
    }
    expect(text).toContain("Doctor");
    keys(name, "PageDown");
    await until(() => screen(name).includes("ESTABLISHED") && /Meaning|no finding|socket rules/.test(screen(name)), "the explanation below");
    keys(name, "Escape");
    await until(() => screen(name).includes("Local Address"), "the table again");
  });

  it("? shows the keys, p pauses and resumes, r shows names and numbers again", async () => {
    await reset(name);
    keys(name, "?");
    await until(() => screen(name).includes("Keys") && screen(name).includes("filter as you type"), "the help");
    keys(name, "Escape");
    await until(() => screen(name).includes("Local Address"), "the table");
    keys(name, "p");
    await until(() => screen(name).includes("PAUSED"), "paused");
    keys(name, "p");
    await until(() => !screen(name).includes("PAUSED"), "resumed");
    keys(name, "r");
    // 127.0.0.1 is localhost in the hosts file (no DNS asked).
    await until(() => screen(name).includes("names on") && new RegExp(`localhost:${A} `).test(screen(name)), "the names");
    keys(name, "r");
    await until(() => screen(name).includes("names off") && !screen(name).includes("localhost:"), "the numbers again");
  });

  it("c asks, then closes exactly the selected connection: both ends see it", async () => {
    await reset(name);
    const before = ns.run("ss", ["-tanH", "state", "established"]).stdout.trim().split("\n").map((l) => l.split(/\s+/).slice(2, 4).join(" "));
    keys(name, "/");
    typed(name, `sport = :${kept}`);
    keys(name, "Enter");
    await until(() => new RegExp(`^>[ +~-]tcp +127\\.0\\.0\\.1:${kept} `, "m").test(screen(name)), "the row to close");
    keys(name, "c");
    await until(() => screen(name).includes(`Close tcp 127.0.0.1:${kept} -> 127.0.0.1:${A} (ESTABLISHED,`), "the question");
    keys(name, "n");
    await until(() => screen(name).includes("not closed"), "nothing closed");
    await closeSelected(name, kept, A, said);
    const after = ns.run("ss", ["-tanH", "state", "established"]).stdout.trim().split("\n").map((l) => l.split(/\s+/).slice(2, 4).join(" "));
    expect(before.filter((c) => !after.includes(c)).sort()).toEqual([`127.0.0.1:${A} 127.0.0.1:${kept}`, `127.0.0.1:${kept} 127.0.0.1:${A}`].sort());
  });

  it("k asks, n keeps the process; y sends SIGTERM, then offers SIGKILL", async () => {
    await reset(name);
    const victimSaid: string[] = [];
    const script = `const c=require("net").connect(${A},"127.0.0.1",()=>console.log("victim "+c.localPort));process.on("SIGTERM",()=>console.log("got-term"))`;
    const victim = inside(["-e", script], victimSaid);
    const port = Number((await until(() => victimSaid.map((l) => /^victim (\d+)/.exec(l)).find(Boolean), "the victim"))[1]);
    keys(name, "/");
    typed(name, `sport = :${port}`);
    keys(name, "Enter");
    await until(() => new RegExp(`^>[ +~-]tcp +127\\.0\\.0\\.1:${port} `, "m").test(screen(name)), "the victim's row");
    keys(name, "k");
    await until(() => new RegExp(`Send SIGTERM to process \\d+ \\(${NODE}\\)\\? y/n`).test(screen(name)), "the question");
    keys(name, "n");
    await until(() => screen(name).includes("no signal sent"), "no signal");
    keys(name, "k");
    await until(() => screen(name).includes("Send SIGTERM"), "the question again");
    keys(name, "y");
    await until(() => victimSaid.includes("got-term"), "SIGTERM to arrive");
    await until(() => /still runs after SIGTERM\. Send SIGKILL to process \d+/.test(screen(name)), "the SIGKILL question");
    keys(name, "y");
    await until(() => victim.exitCode !== null || victim.signalCode !== null, "the victim to die");
    keys(name, "Escape");
  });

  it("a narrow terminal drops columns by priority and never wraps", async () => {
    await reset(name);
    tmux("resize-window", "-t", name, "-x", "60");
    const text = await until(() => (screen(name).split("\n").every((l) => l.length <= 60) && !screen(name).includes("Proto") ? screen(name) : null), "the narrow frame");
    expect(text).toMatch(/Local Address\S* +Remote Address +State/);
    for (const l of text.split("\n")) expect(l.length).toBeLessThanOrEqual(60);
    expect(text.replace(/\n$/, "").split("\n")).toHaveLength(HEIGHT);
    tmux("resize-window", "-t", name, "-x", String(WIDTH));
    await until(() => screen(name).includes("Proto"), "the wide frame again");
  });

  it("NO_COLOR: no colour, the marks in the lead column", async () => {
    const plain = `s2-20-top-plain-${process.pid}`;
    await start(plain, "NO_COLOR=1");
    const opened = Number((await ask(`open ${A}`, /^opened (\d+)/))[1]);
    const line = await until(() => lineWith(screen(plain, true), `127.0.0.1:${opened} `), "the new row");
    expect(line).toMatch(/^[ >]\+tcp/);
    expect(screen(plain, true)).not.toMatch(/\x1b\[3\dm/);
  });

  for (const [how, send, status] of [
    ["q", (n: string) => keys(n, "q"), 0],
    ["Ctrl-C", (n: string) => keys(n, "C-c"), 130],
    ["SIGTERM", (n: string) => signalTop(n, "SIGTERM"), 143],
    ["SIGHUP", (n: string) => signalTop(n, "SIGHUP"), 129],
  ] as const) {
    it(`${how} gives the terminal back (normal screen, cursor), exit ${status}`, async () => {
      const session = `s2-20-top-${how.replace(/\W/g, "")}-${process.pid}`;
      await start(session);
      send(session);
      await until(() => screen(session).includes("EXIT="), "top to end");
      expect(screen(session)).toContain(`EXIT=${status}`);
      expect(tmux("display", "-p", "-t", session, "#{alternate_on} #{cursor_flag}").stdout.trim()).toBe("0 1");
      expect(screen(session)).not.toContain("? help");
    });
  }

  it("shows each holder's container and unit, from its real cgroup: columns, g and details", async () => {
    // Two listeners, each moved into a cgroup named as Docker names a container (cgroupfs
    // driver) and as systemd names a service; removed in afterAll. Last of the file: the
    // columns they bring would narrow the other tests' tables.
    const root = CGROUP_ROOT;
    if (root === null) return expect.fail("no writable cgroup hierarchy (v1 name=systemd or v2) on this machine");
    const id = randomBytes(32).toString("hex");
    const cases = [
      { port: 18_981, path: `i20test/docker/${id}` },
      { port: 18_982, path: "i20test.slice/i20-web.service" },
    ];
    const held: number[] = [];
    for (const c of cases) {
      const child = ns.spawn("python3", [LISTENERS, `127.0.0.1:${c.port}`]);
      held.push(child.pid!);
      others.push(child);
      await lineFrom(child, `listener ${c.port}`, /^ready\n/m);
      const dir = join(root, c.path);
      mkdirSync(dir, { recursive: true });
      cgroups.push(dir);
      writeFileSync(join(dir, "cgroup.procs"), String(child.pid));
    }
    const wide = `s2-20-top-wide-${process.pid}`;
    await start(wide, "NO_COLOR=1", 220);
    const row = (port: number) => lineWith(screen(wide), `127.0.0.1:${port} `);
    const text = await until(() => (row(18_981)?.includes(id.slice(0, 12)) && row(18_982)?.includes("i20-web.service") ? screen(wide) : null), "the container and the unit");
    const head = text.split("\n").find((l) => l.includes("Local Address"))!;
    expect(head).toMatch(/Container\s+Unit/);
    // Each in its own column: the container's row has no unit, the service's no container.
    const cells = (port: number) => {
      const line = lineWith(text, `127.0.0.1:${port} `)!;
      return [line.slice(head.indexOf("Container"), head.indexOf("Unit")).trim(), line.slice(head.indexOf("Unit")).trim()];
    };
    expect(cells(18_981)).toEqual([id.slice(0, 12), "-"]);
    expect(cells(18_982)).toEqual(["-", "i20-web.service"]);
    // g four times: by container, each counted.
    for (let k = 0; k < 4; k++) keys(wide, "g");
    const groups = await until(() => (screen(wide).includes("By container") ? screen(wide) : null), "grouping by container");
    expect(lineWith(groups, id.slice(0, 12))).toMatch(new RegExp(`${id.slice(0, 12)}\\s+1\\s`));
    keys(wide, "g");
    await until(() => screen(wide).includes("Local Address"), "the connections again");
    // Enter on the service's row: its details name the unit.
    keys(wide, "/");
    typed(wide, "sport = :18982");
    keys(wide, "Enter");
    await until(() => screen(wide).includes("Filter: sport = :18982") && /^>[ +~-]tcp/m.test(screen(wide)), "the one row");
    keys(wide, "Enter");
    // The details' line (the table's heading has "Container" too).
    const detail = () => screen(wide).split("\n").find((l) => /^ {2}Container \S/.test(l));
    expect(await until(detail, "the details")).toMatch(/Container -\s+Unit i20-web\.service/);
    // --pid: the holders are read with the sockets (to select them), and come with theirs too.
    const byPid = `s2-20-top-pid-${process.pid}`;
    await start(byPid, "NO_COLOR=1", 220, `--pid ${held[0]}`);
    const only = await until(() => lineWith(screen(byPid), "127.0.0.1:18981 ")?.includes(id.slice(0, 12)) && screen(byPid), "the container under --pid");
    expect(lineWith(only, "127.0.0.1:18982 ")).toBeUndefined();
  });

  it("--container: a container's own namespace, its bytes/s read and c closing there", async () => {
    // A container on a bridge network: its sockets in a namespace of its own, its process in a
    // cgroup named as Docker names one. top runs in the test's namespace and reads every one.
    const root = CGROUP_ROOT;
    if (root === null) return expect.fail("no writable cgroup hierarchy (v1 name=systemd or v2) on this machine");
    const box = createNetns();
    nets.push(box);
    const lines: string[] = [];
    const boxPeer = inside([PEER, String(A), String(B)], lines, box);
    await until(() => lines.includes("ready"), "the container's peer");
    const id = randomBytes(32).toString("hex");
    const dir = join(root, `i20test/docker/${id}`);
    mkdirSync(dir, { recursive: true });
    cgroups.push(dir);
    writeFileSync(join(dir, "cgroup.procs"), String(boxPeer.pid));
    const pumping = Number((await ask("pump", /^pumping (\d+)/, boxPeer, lines))[1]);
    const session = `s2-20-top-box-${process.pid}`;
    await start(session, "NO_COLOR=1", 220, `--container ${id.slice(0, 12)}`);
    // Its bytes/s: a rate read by ss inside that namespace (top's own has no such connection).
    const row = () => lineWith(screen(session), `127.0.0.1:${pumping} `);
    await until(() => /ESTABLISHED\s+\d+(\.\d)?[kMG]?\s/.test(row() ?? ""), "the container's connection with its rate");
    expect(row()).toContain(id.slice(0, 12));
    expect(ns.run("ss", ["-tanH", "sport", "=", `:${pumping}`]).stdout.trim()).toBe("");
    // c closes it there: both ends, in the container, see it.
    keys(session, "/");
    typed(session, `sport = :${pumping}`);
    keys(session, "Enter");
    await until(() => new RegExp(`^>[ +~-]tcp +127\\.0\\.0\\.1:${pumping} `, "m").test(screen(session)), "the row to close");
    await closeSelected(session, pumping, B, lines);
  });
});

/** Signals the node running tcpstat in the pane (below the shell and nsenter). */
function signalTop(session: string, signal: NodeJS.Signals): void {
  const shell = tmux("list-panes", "-t", session, "-F", "#{pane_pid}").stdout.trim();
  const pid = spawnSync("pgrep", ["-f", "tcpstat.cjs top"], { encoding: "utf8" })
    .stdout.trim()
    .split("\n")
    .map(Number)
    .find((p) => ancestors(p).includes(Number(shell)));
  expect(pid).toBeGreaterThan(0);
  process.kill(pid!, signal);
}

function ancestors(pid: number): number[] {
  const out: number[] = [];
  for (let p = pid; p > 1; ) {
    const stat = spawnSync("ps", ["-o", "ppid=", "-p", String(p)], { encoding: "utf8" }).stdout.trim();
    p = Number(stat);
    if (!p) break;
    out.push(p);
  }
  return out;
}

describe("tcpstat top without a terminal", () => {
  it("a pipe gets one line pointing to --watch and --ndjson, exit 2", () => {
    const r = runTcpstat(["top"]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/top needs a terminal.*--watch.*--ndjson/);
  });
});
