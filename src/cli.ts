import { Command, CommanderError } from "commander";
import { SUBCOMMAND_NAMES, type SubcommandName } from "./command-names.js";
import { addListOptions, runList } from "./commands/list.js";
import { leadingCommand, placeOptions } from "./commands/placement.js";
import { isFilterStart } from "./lib/ss-filter.js";
import { EXIT, TcpstatError, usageError } from "./errors.js";
import { nearest } from "./lib/suggest.js";
import { writeError } from "./io.js";
import { version } from "../package.json";

type Register = (program: Command) => void;

/**
 * Subcommands: each name (src/command-names.ts) with its `registerX` from src/commands/x.ts.
 * A module is loaded only when the command line needs it, so a plain `tcpstat` (the listing)
 * or `tcpstat --version` starts without the code (and the zod schemas) of every other command.
 */
const LOADERS: Record<SubcommandName, () => Promise<Register>> = {
  manpage: async () => (await import("./commands/help.js")).registerHelp,
  schema: async () => (await import("./commands/schema.js")).registerSchema,
  completion: async () => (await import("./commands/completion.js")).registerCompletion,
  metrics: async () => (await import("./commands/metrics.js")).registerMetrics,
  serve: async () => (await import("./commands/serve.js")).registerServe,
  summary: async () => (await import("./commands/summary.js")).registerSummary,
  stats: async () => (await import("./commands/stats.js")).registerStats,
  explain: async () => (await import("./commands/explain.js")).registerExplain,
  doctor: async () => (await import("./commands/doctor.js")).registerDoctor,
  trace: async () => (await import("./commands/trace.js")).registerTrace,
  lab: async () => (await import("./commands/lab/index.js")).registerLab,
  rules: async () => (await import("./commands/rules.js")).registerRules,
  top: async () => (await import("./commands/top/index.js")).registerTop,
};
const SUBCOMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = SUBCOMMAND_NAMES.map((name) => [name, LOADERS[name]]);

/** The root command: the socket listing, with its flags. */
function rootProgram(): Command {
  const program = new Command("tcpstat")
    .description("Which sockets exist, who talks to whom, in which TCP state, owned by which process.")
    .version(version, "-V, --version")
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .showSuggestionAfterError(true)
    // Subcommands reuse the list flags (-t, -u, --state ...): they must reach the subcommand.
    .enablePositionalOptions()
    // `--input-format help`: the formats --input reads, whatever the command.
    .hook("preAction", async (_root, action) => {
      if (action.opts().inputFormat !== "help") return;
      const [{ describeFormats }, { writeChunks }] = await Promise.all([import("./sources/replay.js"), import("./io.js")]);
      await writeChunks([describeFormats()]);
      throw new CommanderError(EXIT.ok, "commander.help", "");
    });
  // ss's filter language after the options: tcpstat -t state established '( dport = :443 )'.
  return addListOptions(program)
    .argument("[filter...]", "ss filter: state WORD, exclude WORD, src/dst ADDR[/LEN][:PORT], sport/dport OP PORT, and/or/not, ( )")
    .action(async (filter: string[], flags) =>
      flags.summary && !flags.kill ? (await import("./commands/summary.js")).runListSummary({ ...flags, filter }) : runList({ ...flags, filter }),
    );
}

/**
 * Which subcommands this command line needs: none for the listing and --version, the one it
 * names, or all of them for help, completion and anything commander must explain (a typo).
 * A silent copy of the root command parses the flags, so option values are never mistaken for names.
 */
function subcommandsFor(args: readonly string[]): ReadonlyArray<(typeof SUBCOMMANDS)[number]> {
  const all = SUBCOMMANDS;
  if (args.includes("-h") || args.includes("--help")) return all;
  let parsed: { operands: string[]; unknown: string[] };
  try {
    parsed = rootProgram().configureOutput({ writeOut: () => {}, writeErr: () => {} }).parseOptions([...args]);
  } catch (error) {
    return error instanceof CommanderError && error.code === "commander.version" ? [] : all;
  }
  // An option with an optional value took the command as its value (`-c stats`): the command it names.
  const [name = leadingCommand(rootProgram(), args)] = parsed.operands;
  if (name === undefined) return parsed.unknown.length === 0 ? [] : all;
  const unknown = (word: string) => {
    const names = SUBCOMMANDS.map(([n]) => n).filter((n) => n !== "manpage");
    const guess = nearest(word, names);
    return usageError(`unknown command '${word}'${guess ? ` (did you mean ${guess}?)` : ""}`, `commands: ${names.join(", ")}; without one, tcpstat lists sockets`);
  };
  // A filter expression, not a command: `tcpstat state listening`, `tcpstat dst 10.0.0.0/8`.
  if (isFilterStart(name)) return [];
  if (name === "help") {
    const topic = parsed.operands[1];
    if (topic !== undefined && topic !== "help" && !SUBCOMMANDS.some(([n]) => n === topic)) throw unknown(topic);
    return all;
  }
  if (!SUBCOMMANDS.some(([n]) => n === name)) throw unknown(name);
  const named = SUBCOMMANDS.filter(([n]) => n === name && n !== "completion" && n !== "manpage");
  return named.length > 0 ? named : all;
}

/** Registers commands only; each command parses its options and calls library code. */
export async function buildProgram(args: readonly string[]): Promise<Command> {
  const program = rootProgram();
  const needed = subcommandsFor(args);
  const registers = await Promise.all(needed.map(([, load]) => load()));
  for (const register of registers) register(program);
  // addCommand() does not pass these on: without them a subcommand's usage error (or `help CMD`) exits by itself with commander's own text.
  // Each names itself on its errors, whose hint then points to its own --help.
  for (const sub of program.commands)
    sub
      .exitOverride((error) => {
        throw Object.assign(error, { command: sub.name() });
      })
      .configureOutput({ writeErr: () => {} });
  return program;
}

/** What netstat and ss users type that tcpstat spells otherwise, for the suggestion after an unknown option. */
const HABITS: Readonly<Record<string, string>> = {
  "--inet": "-4 or --ipv4",
  "--inet6": "-6 or --ipv6",
  "--program": "-p or --programs",
  "--processes": "-p or --programs",
  "--listen": "-l or --listening",
  "--extended": "-o or --timers",
};

/**
 * Commander's usage errors in tcpstat's words: one line, lower-case suggestions like the
 * others ("did you mean"), a suggestion only when it means the same thing.
 */
function usageText(error: CommanderError): string {
  const text = error.message.replace(/^error: /, "").replace(/\n+/g, " ").trim();
  switch (error.code) {
    case "commander.unknownOption": {
      const flag = /'([^']+)'/.exec(text)?.[1] ?? "";
      const habit = HABITS[flag.split("=")[0]!];
      if (habit) return `unknown option '${flag}' (did you mean ${habit}?)`;
      return text.replace(/\(Did you mean (.+?)\?\)/, "(did you mean $1?)");
    }
    case "commander.optionMissingArgument": {
      const flag = /option '([^' ]+)/.exec(text)?.[1]?.split(",").pop()?.trim() ?? "the option";
      return `${flag} needs a value`;
    }
    case "commander.excessArguments": {
      const m = /for '([^']+)'\. Expected (\d+) arguments? but got (\d+)/.exec(text);
      return m ? `too many arguments for ${m[1]}: it takes ${m[2] === "0" ? "none" : `at most ${m[2]}`}, got ${m[3]}` : text;
    }
    case "commander.missingArgument":
      return text.replace(/^missing required argument '([^']+)'/, "missing $1");
    default:
      return text.replace(/\(Did you mean (.+?)\?\)/, "(did you mean $1?)").replace(/\.$/, "");
  }
}

/** The one top-level handler: one line on stderr, the right exit code, never a stack trace. */
function fail(error: unknown): void {
  if (error instanceof CommanderError) {
    // Help and the version were written: the run ends once they are out (a failed write still says so, with 1).
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help")
      return void (process.exitCode = EXIT.ok);
    const where = (error as CommanderError & { command?: string }).command;
    writeError(`tcpstat: ${usageText(error)}; see tcpstat ${where ? `${where} ` : ""}--help`);
    process.exit(EXIT.usage);
  }
  if (error instanceof TcpstatError) {
    writeError(`tcpstat: ${error.message}${error.hint ? `; ${error.hint}` : ""}`);
    process.exit(error.exitCode);
  }
  const e = error as NodeJS.ErrnoException;
  writeError(`tcpstat: ${e?.message ?? String(error)}${e?.code ? ` (${e.code})` : ""}`);
  process.exit(EXIT.failure);
}

/**
 * The CLI, for the command line src/run.ts hands over: the program it needs, built, then
 * commander's parse of it, the one that decides the run.
 */
export async function main(args: readonly string[]): Promise<void> {
  try {
    const program = await buildProgram(args);
    // Options typed before the subcommand mean the same after it, or are refused (src/commands/placement.ts).
    await program.parseAsync(placeOptions(program, args), { from: "user" });
  } catch (error) {
    fail(error);
  }
}
