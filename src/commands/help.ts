import { Command } from "commander";
import { writeChunks } from "../io.js";
import { EXIT } from "../errors.js";
import { FALLBACK_EXAMPLES, ROOT_EXAMPLES, type Example } from "./help-examples.js";

/**
 * Help that teaches: every command's help ends with examples that put the netstat and ss
 * commands people know beside the tcpstat way, and the root help ends with the exit codes.
 * The man page (tcpstat.1) is rendered from the same commander tree and the same examples.
 */

const ownExamples = new WeakMap<Command, readonly Example[]>();

/** Gives a command its examples, shown at the end of its --help and in the man page. */
export function addExamples(cmd: Command, rows: readonly Example[]): Command {
  ownExamples.set(cmd, [...(ownExamples.get(cmd) ?? []), ...rows]);
  return cmd;
}

/** A command's examples: its own, else the shared table's (by command name). */
export function examplesOf(cmd: Command): readonly Example[] {
  return ownExamples.get(cmd) ?? (cmd.parent ? FALLBACK_EXAMPLES[cmd.name()] : undefined) ?? [];
}

/** Exit codes: the same list in --help, the man page and the README. */
export const EXIT_CODES: ReadonlyArray<readonly [number, string]> = [
  [EXIT.ok, "success (doctor: nothing found)"],
  [EXIT.failure, "runtime failure: a source or file could not be read, a command failed"],
  [EXIT.usage, "usage error: unknown flag, bad value, conflicting options"],
  [EXIT.findings, "tcpstat doctor found at least one problem"],
];

export const ENVIRONMENT: ReadonlyArray<readonly [string, string]> = [
  ["NO_COLOR", "set and not empty: no colour (https://no-color.org)"],
  ["FORCE_COLOR", "0: never colour; 1, 2, 3: colour even into a pipe (wins over NO_COLOR)"],
];

/**
 * Examples as aligned columns; a column no row uses is left out.
 *
 *   Examples:
 *     # listening TCP sockets and their programs
 *     netstat -tlnp   ss -tlnp   tcpstat -l
 */
function formatExamples(rows: readonly Example[]): string {
  if (rows.length === 0) return "";
  const columns = (["netstat", "ss", "tcpstat"] as const).filter((c) => rows.some((r) => r[c] !== undefined));
  const cellsOf = (r: Example) => columns.map((c) => r[c] ?? "-");
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => cellsOf(r)[i]!.length)));
  // Within HELP_WIDTH: the widest column shrinks to its next widest cell while the lines are too long;
  // a cell longer than its column then ends its line, and the next cell goes under its own column.
  const total = () => 2 + widths.reduce((n, w, i) => n + w + (i === widths.length - 1 ? 0 : GAP), 0);
  for (;;) {
    if (total() <= HELP_WIDTH) break;
    const i = widths.slice(0, -1).reduce((best, w, k) => (w > widths[best]! ? k : best), 0);
    const next = Math.max(columns[i]!.length, ...rows.map((r) => cellsOf(r)[i]!.length).filter((n) => n < widths[i]!));
    if (next >= widths[i]!) break;
    widths[i] = next;
  }
  const line = (cells: string[]) => {
    let text = "  ";
    let at = 2;
    cells.forEach((cell, i) => {
      const column = 2 + widths.slice(0, i).reduce((n, w) => n + w + GAP, 0);
      if (at > column) {
        text = `${text.trimEnd()}\n${" ".repeat(column)}`;
        at = column;
      }
      text += " ".repeat(column - at) + cell;
      at = column + cell.length;
    });
    return text.trimEnd();
  };
  const out = ["Examples:"];
  if (columns.length > 1) out.push(line([...columns]));
  for (const row of rows) {
    out.push(`  # ${row.what}`);
    out.push(line(cellsOf(row)));
  }
  return `\n${out.join("\n")}\n`;
}

/** Columns the help's examples fit in, and the gap between their columns. */
const HELP_WIDTH = 100;
const GAP = 3;

function formatExitCodes(): string {
  const codes = EXIT_CODES.map(([code, meaning]) => `  ${code}  ${meaning}`);
  const env = ENVIRONMENT.map(([name, meaning]) => `  ${name.padEnd(13)}${meaning}`);
  return `\nExit status:\n${codes.join("\n")}\n\nEnvironment (--color and --no-color win over both):\n${env.join("\n")}\n`;
}

/**
 * Hooks the examples into every command's help (whenever the command was registered),
 * puts the exit codes under the root help, and adds the hidden `manpage` command the build
 * uses to write tcpstat.1.
 */
export function registerHelp(program: Command): void {
  addExamples(program, ROOT_EXAMPLES);
  // commander leaves out `help [command]` when the program has an action of its own (the socket list).
  program.helpCommand(true);
  program.addHelpText("afterAll", ({ command }) => {
    const examples = formatExamples(examplesOf(command));
    return command === program ? `${examples}${formatExitCodes()}` : examples;
  });
  program.addCommand(
    new Command("manpage")
      .description("print the tcpstat(1) man page (roff), e.g. tcpstat manpage | man -l -")
      .action(async () => {
        const { renderManPage } = await import("./help-man.js");
        await writeChunks([renderManPage(program, { examplesOf, exitCodes: EXIT_CODES, environment: ENVIRONMENT })]);
      }),
    { hidden: true },
  );
}
