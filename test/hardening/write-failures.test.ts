import { spawnSync } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";

/**
 * A write that fails (`tcpstat ... > /dev/full`: ENOSPC) ends every command and format the
 * same way: one line on stderr naming the failure, exit 1, never a stack trace.
 * (A closed pipe stays quiet: test/hardening/pipes.test.ts.)
 */

const ENV = { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined };
let full: number;

beforeAll(() => {
  full = openSync("/dev/full", "w");
});
afterAll(() => closeSync(full));

const COMMANDS: string[][] = [
  [],
  ["--json"],
  ["--ndjson"],
  ["-o", "-tu"],
  ["summary"],
  ["summary", "--json"],
  ["summary", "--oneline"],
  ["summary", "--by", "port"],
  ["explain"],
  ["explain", "CLOSE_WAIT", "--json"],
  ["metrics"],
  ["doctor", "-i", "0"],
  ["doctor", "-i", "0", "--json"],
  ["stats"],
  ["stats", "--json"],
  ["schema", "sockets"],
  ["completion", "bash"],
  ["--help"],
  ["summary", "--help"],
  ["help", "doctor"],
  ["-V"],
  ["--version"],
  ["manpage"],
];

describe("tcpstat ... > /dev/full", () => {
  it.each(COMMANDS.map((args) => [args.join(" ") || "(listing)", args]))("%s: one line, exit 1", (_name, args) => {
    const r = spawnSync(process.execPath, [BIN, ...(args as string[])], { stdio: ["ignore", full, "pipe"], encoding: "utf8", env: ENV, timeout: 60_000 });
    expect(r.stderr).toBe("tcpstat: cannot write the output: no space left on device (ENOSPC)\n");
    expect(r.status).toBe(1);
  });
});
