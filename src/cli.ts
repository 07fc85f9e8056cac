import { Command, CommanderError } from "commander";
import { addListOptions, runList } from "./commands/list.js";
import { registerSummary } from "./commands/summary.js";
import { registerStats } from "./commands/stats.js";
import { registerExplain } from "./commands/explain.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerMetrics } from "./commands/metrics.js";
import { registerServe } from "./commands/serve.js";
import { registerCompletion } from "./commands/completion.js";
import { registerHelp } from "./commands/help.js";
import { registerSchema } from "./commands/schema.js";
import { EXIT, TcpstatError } from "./errors.js";
import { writeError } from "./io.js";
import { version } from "../package.json";

/** Registers commands only; each command parses its options and calls library code. */
function buildProgram(): Command {
  const program = new Command("tcpstat")
    .description("Which sockets exist, who talks to whom, in which TCP state, owned by which process.")
    .version(version, "-V, --version")
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .showSuggestionAfterError(true)
    // Subcommands reuse the list flags (-t, -u, --state ...): they must reach the subcommand.
    .enablePositionalOptions()
    // addCommand() does not pass these on: without them a subcommand's usage error exits 1 with commander's own text.
    .hook("preSubcommand", (_root, sub) => void sub.exitOverride().configureOutput({ writeErr: () => {} }));
  addListOptions(program).action((flags) => runList(flags));
  // Subcommands: one line each, `registerX(program)` from src/commands/x.ts.
  registerHelp(program);
  registerSchema(program);
  registerCompletion(program);
  registerMetrics(program);
  registerServe(program);
  registerSummary(program);
  registerStats(program);
  registerExplain(program);
  registerDoctor(program);

  return program;
}

/** The one top-level handler: one line on stderr, the right exit code, never a stack trace. */
function fail(error: unknown): never {
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help")
      process.exit(EXIT.ok);
    const message = error.message.replace(/^error: /, "").replace(/\n+/g, " ").trim();
    writeError(`tcpstat: ${message} (see tcpstat --help)`);
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

buildProgram().parseAsync(process.argv).catch(fail);
