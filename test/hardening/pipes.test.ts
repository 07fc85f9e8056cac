import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIST_FORMATS } from "../../src/format/index.js";
import { BIN } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { holdConnections, type Load } from "./load.js";

/**
 * `tcpstat ... | head -1` on a namespace holding about 30,000 real sockets: every format
 * ends quietly (exit 0, nothing on stderr) when its reader goes away, and `--ndjson`
 * killed with SIGTERM mid-stream leaves only whole lines behind.
 */

const HOLDERS = 3;
const PAIRS = 5000;
const ENV = { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined };

let ns: Netns;
let load: Load;

beforeAll(async () => {
  ns = createNetns();
  load = await holdConnections(ns, HOLDERS, PAIRS);
}, 120_000);

afterAll(() => {
  load?.stop();
  ns?.close();
});

/** Runs `tcpstat ARGS | head -1` in the namespace with bash; returns tcpstat's own status and stderr. */
function intoHead(args: readonly string[]) {
  const script = 'node "$@" 2>"$ERR" | head -1; status=${PIPESTATUS[0]}; cat "$ERR" >&2; exit $status';
  const quoted = [BIN, ...args];
  const result = ns.run("bash", ["-c", `ERR=$(mktemp); ${script}`, "bash", ...quoted], { env: ENV, timeoutMs: 120_000 });
  return { status: result.status, firstLine: result.stdout, stderr: result.stderr };
}

describe("pipes with tens of thousands of sockets", () => {
  it("the load is real: ss counts the sockets the holders keep", () => {
    const ss = ns.run("ss", ["-tanH"]).stdout.trim().split("\n");
    expect(ss.length).toBeGreaterThanOrEqual(load.sockets);
    expect(load.sockets).toBeGreaterThanOrEqual(30_000);
  });

  it.each(Object.keys(LIST_FORMATS))("--format %s | head -1 exits 0 quietly", (format) => {
    const { status, firstLine, stderr } = intoHead(["--format", format]);
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(firstLine.split("\n").filter(Boolean)).toHaveLength(1);
  });

  // Commands whose output can be long: the by-local breakdown has 30,000 rows here.
  it.each([
    ["summary"],
    ["summary", "--by", "local", "--top", "100000"],
    ["summary", "--by", "local", "--top", "100000", "--json"],
    ["metrics"],
    ["metrics", "--detailed"],
    ["doctor"],
    ["explain"],
    ["-o", "--json"],
  ].map((args) => [args.join(" "), args] as const))("tcpstat %s | head -1 exits quietly", (_, args) => {
    const { status, firstLine, stderr } = intoHead(args);
    expect(stderr).toBe("");
    // doctor exits 3 when it finds trouble (30k connections can look like it).
    expect(args[0] === "doctor" ? [0, 3] : [0]).toContain(status);
    expect(firstLine.split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("--ndjson | head -1 gives one whole record", () => {
    const { status, firstLine, stderr } = intoHead(["--ndjson", "--no-owners"]);
    expect([status, stderr]).toEqual([0, ""]);
    const record = JSON.parse(firstLine);
    expect(record.proto).toBe("tcp");
  });

  /**
   * Until tcpstat waits for its reader: its main thread asleep (state S in /proc) and no CPU
   * time spent between two looks 100 ms apart. (nsenter execs it: the child's pid is its own.)
   */
  async function untilWaiting(pid: number): Promise<void> {
    const look = () => {
      const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return { state: fields[0], cpu: Number(fields[11]) + Number(fields[12]) }; // utime + stime
    };
    for (let before = look(), deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 100));
      const now = look();
      if (before.state === "S" && now.state === "S" && now.cpu === before.cpu) return;
      before = now;
    }
    throw new Error("tcpstat never waited on its full pipe");
  }

  /**
   * Runs tcpstat ARGS, reads a little of its output, stops reading until it waits on a full
   * pipe, sends SIGTERM and reads the rest: its exit and every line it wrote.
   */
  async function terminatedWhileBlocked(args: readonly string[]) {
    const child = ns.spawn(process.execPath, [BIN, ...args], { env: ENV });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) =>
      child.stdout!.on("data", (c: Buffer) => {
        chunks.push(c);
        resolve();
      }),
    );
    child.stdout!.pause();
    await untilWaiting(child.pid!);
    child.kill("SIGTERM");
    child.stdout!.resume();
    const [code, signal] = (await once(child, "close")) as [number | null, string | null];
    const text = Buffer.concat(chunks).toString("utf8");
    const lines = text.slice(0, -1).split("\n");
    // (what was written and said goes with a failure)
    expect({ code, signal }, `${lines.length} lines of ${load.sockets} sockets; stderr: ${stderr}`).toEqual({ code: 143, signal: null });
    expect(text.endsWith("\n")).toBe(true);
    // Stopped early, or (the reader drains at full speed once it resumes) finished first and
    // then told it was terminated: either way whole lines, no socket twice, and 143.
    expect(new Set(lines).size).toBe(lines.length);
    return lines;
  }

  // With owners the records are written after the read; without, as the tables are parsed.
  it.each([["--ndjson"], ["--ndjson", "--no-owners"]].map((args) => [args.join(" "), args] as const))("SIGTERM while %s is blocked on a full pipe: whole lines only, exit 143", async (_, args) => {
    for (const line of await terminatedWhileBlocked(args)) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("SIGTERM while the table without owners is blocked on a full pipe: whole lines only, exit 143", async () => {
    const [head, ...rows] = await terminatedWhileBlocked(["-t", "--no-owners"]);
    expect(head).toMatch(/^Proto +Recv-Q/);
    for (const row of rows) expect(row).toMatch(/^tcp6? +\d+ +\d+ +\S+:\d+ +\S+:(\d+|\*) +[A-Z_0-9]+ +-$/);
  });
});
