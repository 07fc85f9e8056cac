import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";

/**
 * The conventions the help and README promise, checked on every command rather than one:
 * colour (NO_COLOR, FORCE_COLOR, --color, --no-color), --quiet, usage errors (exit 2, one line).
 */

const ESC = "\u001b[";
const MALFORMED = fileURLToPath(new URL("../../fixtures/linux-procfs/malformed/tcp", import.meta.url));

/** Commands that colour their text output, as a user would call them. */
const COLOURED: string[][] = [[], ["summary"], ["stats"], ["explain"], ["explain", "close-wait"], ["doctor", "--interval", "0"]];

describe("colour", () => {
  const out = (args: string[], env: NodeJS.ProcessEnv) => {
    const result = runTcpstat(args, { env: { NO_COLOR: undefined, FORCE_COLOR: undefined, ...env } });
    expect([0, 3], `${args.join(" ")}: ${result.stderr}`).toContain(result.status);
    return result.stdout;
  };

  for (const args of COLOURED) {
    const name = `tcpstat ${args.join(" ")}`.trim();
    it(`${name}: none into a pipe or with NO_COLOR; FORCE_COLOR and --color paint; --no-color wins`, () => {
      expect(out(args, {})).not.toContain(ESC);
      expect(out(args, { NO_COLOR: "1" })).not.toContain(ESC);
      expect(out(args, { FORCE_COLOR: "1" })).toContain(ESC);
      // FORCE_COLOR wins over NO_COLOR (both set: the stronger request)
      expect(out(args, { FORCE_COLOR: "1", NO_COLOR: "1" })).toContain(ESC);
      expect(out(args, { FORCE_COLOR: "0" })).not.toContain(ESC);
      expect(out([...args, "--color"], { NO_COLOR: "1" })).toContain(ESC);
      expect(out([...args, "--no-color"], { FORCE_COLOR: "3" })).not.toContain(ESC);
    });
  }

  it("JSON is never coloured, even when forced", () => {
    for (const args of [["--json"], ["summary", "--json"], ["stats", "--json"], ["explain", "--json"]]) {
      expect(out([...args, "--color"], { FORCE_COLOR: "3" }), args.join(" ")).not.toContain(ESC);
    }
  });
});

describe("--quiet", () => {
  // A replayed capture with unreadable lines: each command reports them on stderr unless -q.
  for (const args of [[], ["summary"], ["explain", "close-wait"], ["metrics"]]) {
    const name = `tcpstat ${args.join(" ")}`.trim();
    it(`${name} reports skipped lines, and -q silences only that`, () => {
      const loud = runTcpstat([...args, "--input", MALFORMED]);
      expect(loud.status, loud.stderr).toBe(0);
      expect(loud.stderr).toMatch(/^tcpstat: skipped 6 unreadable line\(s\)/m);
      const quiet = runTcpstat([...args, "--input", MALFORMED, "-q"]);
      expect(quiet.status).toBe(0);
      expect(quiet.stderr).toBe("");
      // metrics carries its own collection time, which differs from run to run
      const steady = (text: string) => text.split("\n").filter((line) => !/^tcpstat_collection_(duration|seconds|time)/.test(line));
      expect(steady(quiet.stdout)).toEqual(steady(loud.stdout));
    });
  }
});

describe("usage errors", () => {
  const commands = [[], ["summary"], ["stats"], ["explain"], ["doctor"], ["metrics"], ["serve"], ["rules"], ["schema"], ["completion", "bash"]];
  for (const args of commands) {
    const name = `tcpstat ${args.join(" ")}`.trim();
    it(`${name} --no-such-flag: exit 2, one line naming the flag, nothing on stdout`, () => {
      const result = runTcpstat([...args, "--no-such-flag"]);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe("");
      const lines = result.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^tcpstat: .*--no-such-flag/);
    });
  }

  it("an unknown command is a usage error", () => {
    const result = runTcpstat(["sumary"]);
    expect(result.status).toBe(2);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});
