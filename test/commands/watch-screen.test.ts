import { spawnSync, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { BIN } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";

/**
 * --watch on a real terminal smaller than its table (tmux, 50 columns by 8 rows), in a fresh
 * namespace holding nine listeners: each frame is cut to the width and the height (never
 * wrapped, the time line on top); `q`, Ctrl-C and SIGTERM end it with the last frame, time
 * line included, left on the normal screen.
 */

const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const PORTS = [18_961, 18_962, 18_963, 18_964, 18_965, 18_966, 18_967, 18_968, 18_969];
const WIDTH = 50;
const HEIGHT = 8;
let ns: Netns;
let holder: ChildProcess;
const sessions: string[] = [];

beforeAll(async () => {
  ns = createNetns();
  const script = `const net=require("net");let n=0;for(const p of ${JSON.stringify(PORTS)})net.createServer().listen(p,"127.0.0.1",()=>{if(++n===${PORTS.length})console.log("ready")});setTimeout(()=>{},600000)`;
  holder = ns.spawn(process.execPath, ["-e", script]);
  await lineFrom(holder, "listeners");
});
afterAll(() => {
  for (const s of sessions) spawnSync("tmux", ["kill-session", "-t", s]);
  ns?.close();
});

const tmux = (...args: string[]) => spawnSync("tmux", args, { encoding: "utf8" });
/** What the pane shows now (the alternate screen while tcpstat draws), or with its history. */
const pane = (name: string, history = false) => tmux("capture-pane", "-p", "-t", name, ...(history ? ["-S", "-200"] : [])).stdout;

async function until(test: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** tcpstat --watch in a tmux pane of WIDTH x HEIGHT; the pane says EXIT=<status> when it ends. */
async function watching(name: string): Promise<void> {
  sessions.push(name);
  const command = `nsenter -t ${ns.pid} -n env NO_COLOR=1 ${process.execPath} ${BIN} --watch 0.3; echo EXIT=$?; sleep 600`;
  expect(tmux("new-session", "-d", "-s", name, "-x", String(WIDTH), "-y", String(HEIGHT), command).status).toBe(0);
  await until(() => pane(name).includes("9 sockets"), "the first frame");
}

function lastFrameOnNormalScreen(name: string, status: number): void {
  const text = pane(name, true);
  expect(text).toContain(`EXIT=${status}`);
  const normal = text.slice(text.lastIndexOf("--- "));
  expect(normal).toMatch(/^--- \d{4}-\d\d-\d\dT[\d:.]+Z ---\n9 sockets(: .*)?\n/);
  // Whole, as it was: every listener is there (the terminal wraps what is wider than it).
  for (const port of PORTS) expect(normal.replace(/\n/g, "")).toContain(`127.0.0.1:${port}`);
}

describe.skipIf(!hasTmux)("--watch on a terminal smaller than the table", () => {
  it("cuts each row to the width and keeps the time line on top", async () => {
    const name = `i14-watch-cut-${process.pid}`;
    await watching(name);
    const lines = pane(name).replace(/\n+$/, "").split("\n");
    expect(lines[0]).toMatch(/^--- \d{4}-/);
    expect(lines[1]).toMatch(/^9 sockets/);
    expect(lines.length).toBeLessThanOrEqual(HEIGHT - 1);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(WIDTH);
    // A wrapped row would put the rest of its line ("…:*  LISTEN  1234/node") on a line of its own.
    expect(lines.filter((l) => /^\S*:\*|LISTEN/.test(l))).toEqual([]);
    expect(lines[3]).toMatch(/^\s+tcp\s+0\s+0\s+127\.0\.0\.1:18961\s+0\.0\.0/);
  });

  it("q quits, leaving the last frame on the normal screen, exit 0", async () => {
    const name = `i14-watch-q-${process.pid}`;
    await watching(name);
    tmux("send-keys", "-t", name, "q");
    await until(() => pane(name, true).includes("EXIT="), "tcpstat to end");
    lastFrameOnNormalScreen(name, 0);
  });

  it("Ctrl-C: the last frame stays on the normal screen, exit 130", async () => {
    const name = `i14-watch-int-${process.pid}`;
    await watching(name);
    tmux("send-keys", "-t", name, "C-c");
    await until(() => pane(name, true).includes("EXIT="), "tcpstat to end");
    lastFrameOnNormalScreen(name, 130);
  });

  it("SIGTERM: the last frame stays on the normal screen, exit 143", async () => {
    const name = `i14-watch-term-${process.pid}`;
    await watching(name);
    const shell = Number(tmux("list-panes", "-t", name, "-F", "#{pane_pid}").stdout.trim());
    // The pane's shell runs nsenter, which runs node: the tcpstat process is the node below it.
    const pgrep = spawnSync("pgrep", ["-f", "-P", String(spawnSync("pgrep", ["-P", String(shell)], { encoding: "utf8" }).stdout.trim()), "tcpstat.cjs"], { encoding: "utf8" });
    const pid = Number(pgrep.stdout.trim().split("\n")[0]) || Number(spawnSync("pgrep", ["-f", "-P", String(shell), "tcpstat.cjs"], { encoding: "utf8" }).stdout.trim());
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, "SIGTERM");
    await until(() => pane(name, true).includes("EXIT="), "tcpstat to end");
    lastFrameOnNormalScreen(name, 143);
  });
});
