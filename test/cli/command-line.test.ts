import { fileURLToPath } from "node:url";
import { CommanderError } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import { startFewSockets, type FewSockets } from "./few-sockets.js";
import { buildProgram } from "../../src/cli.js";
import { CLI_OPTIONS } from "../../src/cli-options.js";
import { placeOptions } from "../../src/commands/placement.js";
import { readCommandLine } from "../../src/lib/command-line.js";

/**
 * Commander's parse is the one truth about a command line. What the run decides before the CLI
 * loads (src/start.ts: memory, the early read) reads the line over commander's definitions and
 * must read it as commander does, whichever way an option is spelled; and every spelling
 * commander accepts gives the same output.
 */
const FIXTURE = fileURLToPath(new URL("../../fixtures/linux-ss/debian-12/ss-tuanp.txt", import.meta.url));

/** The command and options commander's parse hands to the action (the run stopped just before it). */
async function commanderReads(args: string[]): Promise<{ command: string | undefined; opts: Record<string, unknown> }> {
  const program = await buildProgram(args);
  let seen: { command: string | undefined; opts: Record<string, unknown> } | undefined;
  program.hook("preAction", (_root, action) => {
    seen = { command: action === program ? undefined : action.name(), opts: action.opts() };
    throw new CommanderError(0, "test.stop", "");
  });
  await program.parseAsync(placeOptions(program, args), { from: "user" }).catch((error: unknown) => {
    if (!(error instanceof CommanderError && error.code === "test.stop")) throw error;
  });
  return seen!;
}

describe("the reading before the CLI loads, against commander's parse", () => {
  const lines = [
    ["summary", "--input", FIXTURE],
    ["summary", `--input=${FIXTURE}`],
    ["--input", FIXTURE, "summary", "--json"],
    [`--input=${FIXTURE}`, "-t", "state", "listening"],
    ["-N", "lab", "summary"],
    ["-NNS"],
    ["-tNlab", "--no-owners"],
    ["-tN", "lab", "summary", "--by=port"],
    ["--netns", "lab", "doctor"],
    ["stats", "--netns=lab", "-a"],
    ["-c", "summary"],
    ["summary", "-c", "3", "--count", "2"],
    ["--watch", "5", "-tuln"],
    ["--state", "listen", "summary"],
    ["--process", "summary"],
    ["--no-owners", "--json", "state", "established", "dport", "=", ":443"],
    ["-tu", "--no-owners", "--ndjson", "--byte-order", "le"],
    ["summary", "--by", "process", "-u", "--udp", "-4"],
    ["explain", "summary"],
    ["trace", "--pid", "1"],
    ["metrics", "--no-owners"],
  ];
  for (const args of lines)
    it(`reads ${JSON.stringify(args)} as commander does`, async () => {
      const early = readCommandLine(CLI_OPTIONS, args);
      const commander = await commanderReads(args);
      expect(early?.command).toBe(commander.command);
      // A repeated option's last value (commander collects some into a list).
      const last = (value: unknown) => (Array.isArray(value) ? value.at(-1) : value);
      const said = Object.fromEntries(Object.keys(early!.opts).map((key) => [key, last(commander.opts[key])]));
      expect(early!.opts).toEqual(said);
      // What the early decisions read: the same, given or not (owners: only --no-owners says something).
      for (const key of ["input", "netns", "source", "watch", "count", "pid", "process", "by", "tcp", "udp"]) expect(early!.opts[key], key).toEqual(last(commander.opts[key]));
      expect(early!.opts.owners === false, "--no-owners").toBe(commander.opts.owners === false);
    });

  it("is unsure, and so decides nothing early, where commander alone knows or refuses", () => {
    for (const args of [["--", "summary"], ["summary", "--bogus"], ["-o", "summary"], ["-q", "help"]]) expect(readCommandLine(CLI_OPTIONS, args), args.join(" ")).toBeNull();
  });
});

describe("every spelling commander accepts gives the same output", () => {
  const same = (spellings: string[][], run = (args: string[]) => runTcpstat(args)) => {
    const [first, ...rest] = spellings.map((args) => run(args));
    expect(first!.status, first!.stderr).toBe(0);
    expect(first!.stdout).not.toBe("");
    for (const [i, other] of rest.entries()) expect(other, spellings[i + 1]!.join(" ")).toEqual(first);
  };

  it("--input FILE, --input=FILE, before or after the command, -- before the filter", () => {
    same([
      ["summary", "--input", FIXTURE, "--by", "port"],
      ["summary", `--input=${FIXTURE}`, "--by=port"],
      ["--input", FIXTURE, "summary", "--by", "port"],
      [`--input=${FIXTURE}`, "summary", "--by=port"],
    ]);
    same([
      ["-t", "--input", FIXTURE, "state", "listening"],
      ["-t", "--input", FIXTURE, "--", "state", "listening"],
      [`--input=${FIXTURE}`, "-t", "state", "listening"],
      ["state", "listening", "-t", "--input", FIXTURE],
    ]);
  });

  describe("-N NS in every spelling, live", () => {
    let few: FewSockets;
    beforeAll(async () => {
      few = await startFewSockets();
    });
    afterAll(() => few?.close());

    it("the listing and summary of the namespace's listeners", () => {
      const pid = String(few.pid);
      same([
        ["-l", "--netns", pid, "--no-owners"],
        ["-lN", pid, "--no-owners"],
        [`-lN${pid}`, "--no-owners"],
        [`--netns=${pid}`, "--no-owners", "-l"],
        ["--no-owners", "-lN", pid, "--"],
      ]);
      same([
        ["summary", "-l", "--netns", pid],
        ["-N", pid, "summary", "-l"],
        [`-lN${pid}`, "summary"],
        [`--netns=${pid}`, "-l", "summary"],
      ]);
    });
  });
});
