import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { BIN } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";

/**
 * `--watch` on a terminal (script(1)'s pseudo-terminal) ended by a signal instead of Ctrl-C:
 * SIGTERM from a supervisor or `kill` also leaves the alternate screen and shows the cursor,
 * and the exit status says it was terminated (143). The Ctrl-C case is in test/commands.
 */

const LEAVE = "\x1b[?25h\x1b[?1049l";

// In a namespace of its own: what it draws does not depend on the sockets of the machine.
let ns: Netns;
beforeAll(() => {
  ns = createNetns();
});
afterAll(() => ns?.close());
const hasScript = spawnSync("script", ["--version"]).status === 0;

const children = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

async function waitFor(test: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!hasScript)("--watch and SIGTERM on a terminal", () => {
  it.each(["summary --watch 0.2", "--watch 0.2"])("tcpstat %s: restores the terminal, exit 143", async (args) => {
    // `exec` makes tcpstat the direct child of script, so the signal reaches it alone.
    const child: ChildProcess = spawn("nsenter", ["-t", String(ns.pid), "-n", "script", "-qfec", `exec ${process.execPath} ${BIN} ${args}`, "/dev/null"], {
      env: { ...process.env, NO_COLOR: "1", TERM: "xterm" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    // A failed run must not leave tcpstat watching behind the pseudo-terminal.
    onTestFinished(() => {
      for (const pid of children(child.pid!)) process.kill(pid, "SIGKILL");
      child.kill("SIGKILL");
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += String(d)));
    await waitFor(() => out.includes("\x1b[H") && out.includes("\n"), 20_000);
    const [tcpstat] = children(child.pid!);
    expect(tcpstat).toBeGreaterThan(0);
    process.kill(tcpstat!, "SIGTERM");
    // "close", not "exit": the terminal restore may still be in the pipe when the process has exited
    const [code] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
    expect(code).toBe(143);
    expect(out.lastIndexOf(LEAVE)).toBeGreaterThan(out.lastIndexOf("\x1b[?1049h"));
  });
});
