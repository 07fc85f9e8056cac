import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";

/**
 * Help and words: one vocabulary for one error, tcpstat's voice rather than commander's, a
 * subcommand's error pointing to its own help, singular where there is one, no line ending in
 * spaces, and stats' sections on shared columns. Live parts run in a fresh namespace holding
 * exactly one TCP listener.
 */

let ns: Netns;
let holder: ChildProcess;

beforeAll(async () => {
  ns = createNetns();
  holder = ns.spawn(process.execPath, ["-e", `require("net").createServer().listen(18901, "127.0.0.1", () => console.log("ready")); setTimeout(() => {}, 600000)`]);
  await lineFrom(holder, "listener");
});
afterAll(() => ns?.close());

const usage = (args: string[]) => {
  const r = runTcpstat(args);
  expect(r.status, r.stderr).toBe(2);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0]!;
};

describe("errors in one voice", () => {
  it("help with an unknown command: exit 2 and the list of commands", () => {
    expect(usage(["help", "bogus"])).toMatch(/^tcpstat: unknown command 'bogus'; commands: .*summary.*doctor/);
    expect(usage(["help", "docter"])).toContain("(did you mean doctor?)");
  });

  it("--state and explain say an unknown state the same way", () => {
    expect(usage(["--state", "FOO"])).toMatch(/^tcpstat: unknown state 'FOO'; valid states: ESTABLISHED, /);
    expect(usage(["explain", "FOO"])).toMatch(/^tcpstat: unknown state 'FOO'; valid states: ESTABLISHED, /);
  });

  it("suggestions in lower case, never commander's own text", () => {
    expect(usage(["--tcpp"])).toBe("tcpstat: unknown option '--tcpp' (did you mean --tcp?); see tcpstat --help");
    const schema = usage(["schema", "nosuch"]);
    expect(schema).toMatch(/^tcpstat: unknown schema 'nosuch'; choose one of: socket-record, sockets, /);
    expect(schema).not.toMatch(/command-argument|Allowed choices/);
    expect(usage(["schema", "sockts"])).toContain("(did you mean sockets?)");
    expect(usage(["explain", "a", "b"])).toBe("tcpstat: too many arguments for explain: it takes at most 1, got 2; see tcpstat explain --help");
    expect(usage(["--state"])).toBe("tcpstat: --state needs a value; see tcpstat --help");
    for (const args of [["--tcpp"], ["summary", "--bogus"], ["schema", "x"]]) expect(usage(args)).not.toMatch(/Did you mean|error:/);
  });

  it("a subcommand's error points to that subcommand's help", () => {
    expect(usage(["summary", "--bogus"])).toBe("tcpstat: unknown option '--bogus'; see tcpstat summary --help");
    expect(usage(["doctor", "--top", "3"])).toMatch(/; see tcpstat doctor --help$/);
  });

  it("--inet suggests -4, not --input", () => {
    expect(usage(["--inet"])).toBe("tcpstat: unknown option '--inet' (did you mean -4 or --ipv4?); see tcpstat --help");
  });

  it("--state '' and metrics --top 0 are refused like summary --top 0", () => {
    expect(usage(["--state", ""])).toMatch(/^tcpstat: empty --state; /);
    expect(usage(["metrics", "--top", "0"])).toMatch(/^tcpstat: bad --top '0'; /);
    expect(usage(["summary", "--by", "port", "--top", "0"])).toMatch(/^tcpstat: bad number '0' for --top; /);
  });

  it("--pid of no running process gets a notice", () => {
    const max = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8"));
    let pid = max - 1;
    while (existsSync(`/proc/${pid}`)) pid--;
    const r = runTcpstat(["--pid", String(pid)]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`tcpstat: no process ${pid} is running: --pid matches nothing there.\n`);
  });
});

describe("words and layout", () => {
  it("one socket is '1 socket'; doctor says nothing of counters it did not compare", () => {
    expect(runTcpstat(["summary"], { netns: ns }).stdout).toMatch(/^Total: 1 socket \(TCP 1, /);
    const doctor = runTcpstat(["doctor", "-i", "0"], { netns: ns }).stdout;
    expect(doctor).toMatch(/^tcpstat doctor: no problems found \(1 socket checked\)$/m);
    expect(doctor).not.toContain("compared over 0 s");
  });

  it("no line of a table ends in spaces", () => {
    for (const args of [["-tu"], ["-o"], ["--no-owners"], ["-l", "--pid", String(ns.pid)], ["summary", "--by", "process"], ["stats"], ["doctor", "-i", "0"]]) {
      const out = runTcpstat(args, { netns: ns }).stdout;
      expect(out.split("\n").filter((l) => / +$/.test(l)), args.join(" ")).toEqual([]);
    }
    const all = runTcpstat(["-N", "all", "-l"]).stdout;
    expect(all.split("\n").filter((l) => / +$/.test(l))).toEqual([]);
  });

  it("stats' sections share their column widths", () => {
    const heads = runTcpstat(["stats"]).stdout.split("\n").filter((l) => /\bCounter\s+Value$/.test(l));
    expect(heads.length).toBeGreaterThan(3);
    expect(new Set(heads.map((l) => l.length)).size).toBe(1);
    expect(new Set(heads.map((l) => l.indexOf("Counter"))).size).toBe(1);
  });

  it("the root help fits 100 columns", () => {
    const help = runTcpstat(["--help"]).stdout;
    expect(help).toContain("Examples:");
    expect(help.split("\n").filter((l) => l.length > 100)).toEqual([]);
  });
});
