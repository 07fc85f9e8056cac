import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";

/**
 * A process may name itself anything (prctl(PR_SET_NAME), 15 bytes), escape codes included.
 * Here one names itself ESC[2J ESC[31m "evil" (clear the screen, then paint red) and another
 * `a"<LF>fake 1` (a quote and a line break, to forge a metrics line), each holding a listener
 * in a fresh namespace. Human output shows the names escaped; JSON carries them back exactly.
 */

const EVIL = "\x1b[2J\x1b[31mevil";
const FORGER = 'a"\nfake 1';

const NAMED_LISTENER = String.raw`
import ctypes, socket, sys, time
name = sys.argv[1].encode("latin-1")
ctypes.CDLL(None).prctl(15, ctypes.c_char_p(name), 0, 0, 0)  # PR_SET_NAME
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
# A CLOSE_WAIT it owns: the peer closes, this process never does.
c = socket.create_connection(s.getsockname())
a, _ = s.accept()
a.close()
print(s.getsockname()[1], flush=True)
time.sleep(600)
`;

let ns: Netns;
const ports: Record<string, number> = {};

async function listen(name: string): Promise<number> {
  const child: ChildProcess = ns.spawn("python3", ["-c", NAMED_LISTENER, name]);
  return Number(await lineFrom(child, `listener named ${JSON.stringify(name)}`));
}

beforeAll(async () => {
  ns = createNetns();
  ports.evil = await listen(EVIL);
  ports.forger = await listen(FORGER);
});

afterAll(() => ns?.close());

/** Escape sequences other than colour (SGR, "ESC [ digits ; m") that tcpstat itself may emit. */
const nonColourEscapes = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "").match(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g) ?? [];

describe("names with control characters", () => {
  it("the kernel really holds the names (ss shows the process)", () => {
    const ss = ns.run("ss", ["-tlnpH"]).stdout;
    expect(ss).toContain(`:${ports.evil}`);
    expect(ss).toContain("evil");
  });

  it.each([
    ["no colour", { NO_COLOR: "1" }],
    ["FORCE_COLOR=1", { FORCE_COLOR: "1", NO_COLOR: undefined }],
    ["FORCE_COLOR=3", { FORCE_COLOR: "3", NO_COLOR: undefined }],
  ])("the table shows them escaped (%s)", (_, env) => {
    const { stdout, status } = runTcpstat(["-l"], { netns: ns, env });
    expect(status).toBe(0);
    expect(stdout).not.toContain(EVIL);
    expect(stdout).not.toContain("\x1b[2J");
    expect(nonColourEscapes(stdout)).toEqual([]);
    expect(stdout).toContain("\\x1b[2J\\x1b[31mevil");
    // The forged name stays on its row: the line break shows as text.
    expect(stdout).toContain('a"\\x0afake 1');
    const evilRow = stdout.split("\n").find((l) => l.includes(`:${ports.evil} `))!;
    expect(evilRow).toMatch(/LISTEN.*\/\\x1b\[2J\\x1b\[31mevil/);
  });

  it("--json and --ndjson carry the exact names, escaped as JSON", () => {
    for (const flag of ["--json", "--ndjson"]) {
      const { stdout, status } = runTcpstat(["-l", flag], { netns: ns });
      expect(status).toBe(0);
      expect(stdout).not.toContain("\x1b");
      expect(stdout).toContain("\\u001b[2J\\u001b[31mevil");
      const records = flag === "--json" ? JSON.parse(stdout) : stdout.trim().split("\n").map((l) => JSON.parse(l));
      const byPort = new Map(records.map((r: { localPort: number; process: string }) => [r.localPort, r.process]));
      expect(byPort.get(ports.evil)).toBe(EVIL);
      expect(byPort.get(ports.forger)).toBe(FORGER);
    }
  });

  it("summary --by process shows them escaped", () => {
    const { stdout, status } = runTcpstat(["summary", "--by", "process"], { netns: ns, env: { FORCE_COLOR: "1", NO_COLOR: undefined } });
    expect(status).toBe(0);
    expect(nonColourEscapes(stdout)).toEqual([]);
    expect(stdout).toContain("\\x1b[2J\\x1b[31mevil");
  });

  it("summary --by process --json keeps them exact", () => {
    const { stdout, status } = runTcpstat(["summary", "--by", "process", "--json"], { netns: ns });
    expect(status).toBe(0);
    expect(stdout).not.toContain("\x1b");
    expect(JSON.stringify(JSON.parse(stdout))).toContain(JSON.stringify(EVIL).slice(1, -1));
  });

  it("--process matches the name as the process set it", () => {
    const found = runTcpstat(["-l", "--json", "--process", "evil"], { netns: ns });
    expect(JSON.parse(found.stdout).map((r: { localPort: number }) => r.localPort)).toEqual([ports.evil]);
  });

  it("metrics cannot be forged through a process name, and keep names exact", () => {
    const { stdout, status } = runTcpstat(["metrics"], { netns: ns });
    expect(status).toBe(0);
    // Every line is a comment, empty, or `name{labels} value`; the name's LF stays inside its label.
    for (const line of stdout.split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? ([-+0-9.eE]+|NaN|[+-]Inf)$/);
    }
    expect(stdout).not.toMatch(/^fake 1/m);
    expect(stdout).toContain('process="a\\"\\nfake 1"');
    // The exposition format has no escape for ESC: written as visible text, the backslash
    // escaped, so the label read back is the text \x1b[2J..., never the character (issue 22).
    expect(stdout).not.toContain("\x1b");
    expect(stdout).toContain('process="\\\\x1b[2J\\\\x1b[31mevil"');
  });

  it.each(["doctor --threshold close-wait=1", "explain CLOSE_WAIT", "explain"])("%s shows the names escaped", (line) => {
    const args = line.split(" ");
    const { stdout, status } = runTcpstat(args, { netns: ns, env: { FORCE_COLOR: "1", NO_COLOR: undefined } });
    expect([0, 3]).toContain(status);
    expect(nonColourEscapes(stdout)).toEqual([]);
    expect(stdout).not.toContain(EVIL);
    // doctor names the process in its finding (title, evidence and fix); explain shows counts only.
    if (args[0] === "doctor") expect(stdout.match(/\\x1b\[2J\\x1b\[31mevil/g)?.length).toBe(3);
  });

  it("--watch frames and summary --oneline show them escaped", () => {
    for (const args of [["-l", "--watch", "0.1", "--count", "2"], ["summary", "--by", "process", "--oneline"]]) {
      const { stdout, status } = runTcpstat(args, { netns: ns });
      expect(status).toBe(0);
      expect(stdout).not.toContain("\x1b");
      expect(stdout).toContain("\\x1b[2J\\x1b[31mevil");
    }
  });

  it("doctor --json keeps the exact name", () => {
    const { stdout, status } = runTcpstat(["doctor", "--threshold", "close-wait=1", "--json"], { netns: ns });
    expect(status).toBe(3);
    expect(stdout).not.toContain("\x1b");
    expect(stdout).toContain("\\u001b[2J\\u001b[31mevil");
  });

  it("error messages quoting input show control characters escaped, on one line", () => {
    for (const args of [["--state", "\x1b[2Jx"], ["--port", "\x1b[2J"], ["--format", "\x1b]0;title\x07"], ["--\x1b[2J"]]) {
      const { stderr, status } = runTcpstat(args, { netns: ns });
      expect(status).toBe(2);
      expect(stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
      expect(stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(stderr).toContain("\\x1b");
    }
  });
});
