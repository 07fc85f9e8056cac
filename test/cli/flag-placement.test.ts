import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import { addListOptions } from "../../src/commands/list.js";
import { placeOptions } from "../../src/commands/placement.js";
import { TcpstatError } from "../../src/errors.js";
import { registerDoctor } from "../../src/commands/doctor.js";
import { registerExplain } from "../../src/commands/explain.js";
import { registerMetrics } from "../../src/commands/metrics.js";
import { registerServe } from "../../src/commands/serve.js";
import { registerStats } from "../../src/commands/stats.js";
import { registerSummary } from "../../src/commands/summary.js";
import { registerSchema } from "../../src/commands/schema.js";
import { registerCompletion } from "../../src/commands/completion.js";

/**
 * Options typed before a subcommand mean what they mean after it (`tcpstat -N NS doctor`),
 * or the run is refused with exit 2 and a line naming the option and the command. Live in a
 * named namespace (ip netns add) holding one TCP listener, one accepted connection and one
 * UDP socket, none of which the host has.
 */

const NS = `i14-place-${process.pid}`;
const PORT = 18_431;
const FIXTURE = fileURLToPath(new URL("../../fixtures/linux-ss/debian-12/ss-tuanp.txt", import.meta.url));
let holder: ChildProcess;

const ip = (...args: string[]) => {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const ok = (args: string[]) => {
  const r = runTcpstat(args);
  expect(r.status, r.stderr).toBe(0);
  return r;
};
const refused = (args: string[]) => {
  const r = runTcpstat(args);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  return r.stderr.trim();
};

beforeAll(async () => {
  ip("netns", "add", NS);
  ip("-n", NS, "link", "set", "lo", "up");
  const script = `const net=require("net"),dgram=require("dgram");const u=dgram.createSocket("udp4");u.bind(${PORT},"127.0.0.1");
    const s=net.createServer(()=>{}).listen(${PORT},"127.0.0.1",()=>{net.connect(${PORT},"127.0.0.1",()=>console.log("ready"))});`;
  holder = spawn("ip", ["netns", "exec", NS, process.execPath, "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = (await once(holder.stdout!, "data")) as [Buffer];
  expect(String(line)).toContain("ready");
});

afterAll(() => {
  holder?.kill("SIGKILL");
  spawnSync("ip", ["netns", "del", NS]);
});

describe("options before the subcommand", () => {
  it("-N NS doctor checks the namespace, as doctor -N NS does", () => {
    const before = JSON.parse(ok(["-N", NS, "--json", "doctor", "-i", "0"]).stdout);
    const after = JSON.parse(ok(["doctor", "-i", "0", "-N", NS, "--json"]).stdout);
    const ss = ip("netns", "exec", NS, "ss", "-tanH").trim().split("\n");
    expect(before.sockets).toBe(ss.length);
    expect(before.sockets).toBe(3);
    expect(before.notes).toEqual(after.notes);
    expect(before.notes).toEqual(["--interval 0: counters read once, rising-counter checks skipped"]);
  });

  it("--json summary prints JSON; -tuN NS summary counts the namespace's TCP and UDP", () => {
    expect(() => JSON.parse(ok(["--json", "summary"]).stdout)).not.toThrow();
    const summary = JSON.parse(ok(["-tuN", NS, "--json", "summary"]).stdout);
    expect([summary.tcp.total, summary.udp.total]).toEqual([3, 1]);
  });

  it("--input FILE doctor judges the capture, not this machine", () => {
    const before = JSON.parse(ok(["--input", FIXTURE, "doctor", "--json", "-i", "0"]).stdout);
    const after = JSON.parse(ok(["doctor", "--input", FIXTURE, "--json", "-i", "0"]).stdout);
    expect(before.sockets).toBe(after.sockets);
    expect(before.notes.join(" ")).toContain("--input");
  });

  it("-N NS -u metrics gives the namespace's UDP sockets only", () => {
    const text = ok(["-N", NS, "-u", "metrics"]).stdout;
    const sockets = text.split("\n").filter((l) => l.startsWith("tcpstat_sockets{"));
    expect(sockets.length).toBeGreaterThan(0);
    for (const l of sockets) expect(l).toMatch(new RegExp(`netns="${NS}",proto="udp"`));
    expect(sockets.find((l) => l.includes('state="UNCONN"') && l.includes('family="ipv4"'))).toMatch(/ 1$/);
  });

  it("-v summary says where the sockets came from", () => {
    expect(ok(["-v", "summary"]).stderr).toContain("source: procfs");
  });

  it("--help summary is summary's help", () => {
    expect(ok(["--help", "summary"]).stdout).toMatch(/^Usage: tcpstat summary /);
  });

  it("stats takes -N, before or after: the namespace's own counters", () => {
    const value = (args: string[], name: string) => JSON.parse(ok(args).stdout).counters.find((c: { name: string }) => c.name === name).value;
    // One connection was made inside the namespace: one active and one passive open there.
    expect(value(["stats", "-N", NS, "--json"], "TcpActiveOpens")).toBe(1);
    expect(value(["-N", NS, "stats", "--json"], "TcpPassiveOpens")).toBe(1);
  });

  it.each([
    [["-o", "summary"], "-o (--timers) does not apply to summary"],
    [["--format", "json", "doctor"], "--format does not apply to doctor"],
    [["-c", "stats"], "-c (--watch) does not apply to stats"],
    [["--input", FIXTURE, "stats"], "--input does not apply to stats"],
    [["-u", "doctor"], "-u (--udp) does not apply to doctor"],
    [["-q", "help"], "-q (--quiet) does not apply to help"],
  ])("%j is refused: %s", (args, message) => {
    expect(refused(args)).toMatch(new RegExp(`^tcpstat: ${message.replace(/[()]/g, "\\$&")}; `));
  });

  it("-a before stats (all sockets) is not stats -a (every counter): refused", () => {
    expect(refused(["-a", "stats"])).toMatch(/^tcpstat: -a \(--all\) means something else for stats: every counter/);
  });
});

describe("each command's flags", () => {
  it("--help lists only flags that do something there", () => {
    const explain = ok(["explain", "--help"]).stdout;
    expect(explain).not.toContain("--no-owners");
    expect(explain).not.toContain("--udp");
    const doctor = ok(["doctor", "--help"]).stdout;
    expect(doctor).not.toMatch(/-u, --udp/);
    for (const help of [explain, doctor, ok(["summary", "--help"]).stdout]) expect(help).not.toMatch(/--numeric|--programs|accepted for netstat habit/);
    const metrics = ok(["metrics", "--help"]).stdout;
    expect(metrics).not.toContain("TCP sockets (the default)");
    expect(metrics).toMatch(/-t, --tcp\s+TCP sockets only \(default: TCP and UDP\)/);
  });

  it("doctor -u and explain -u are refused rather than ignored", () => {
    expect(refused(["doctor", "-u"])).toContain("'-u'");
    expect(refused(["explain", "-u"])).toContain("'-u'");
  });
});

/** The same tree the CLI builds: the listing's options on the root, every subcommand registered. */
function program(): Command {
  const root = addListOptions(new Command("tcpstat").exitOverride());
  for (const register of [registerDoctor, registerExplain, registerMetrics, registerServe, registerStats, registerSummary, registerSchema, registerCompletion]) register(root);
  return root;
}

describe("placeOptions over every root option and every command", () => {
  const root = program();
  const cases = root.commands.flatMap((sub) => root.options.filter((o) => o.long !== "--version").map((o) => [sub.name(), o.long!] as const));

  it.each(cases)("%s %s: moved onto the same option, or refused naming both", (name, long) => {
    const option = root.options.find((o) => o.long === long)!;
    const args = option.required ? [long, "1", name] : [long, name];
    const sub = root.commands.find((c) => c.name() === name)!;
    try {
      const placed = placeOptions(root, args);
      expect(placed[0]).toBe(name);
      expect(placed[1]).toBe(long);
      expect(sub.options.some((o) => o.long === long)).toBe(true);
    } catch (error) {
      expect(error).toBeInstanceOf(TcpstatError);
      expect(error).not.toBeInstanceOf(CommanderError);
      expect((error as TcpstatError).exitCode).toBe(2);
      expect((error as Error).message).toContain(long);
      expect((error as Error).message).toContain(name);
    }
  });
});
