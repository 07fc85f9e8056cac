import type { Command, Help, Option } from "commander";
import type { Example } from "./help-examples.js";

/**
 * tcpstat(1) in roff, rendered from the commander tree and the help examples, so the man
 * page says what --help says. The build writes it to tcpstat.1; `man -l tcpstat.1` shows it.
 *
 *   .TP
 *   .B
 *   \-l, \-\-listening
 *   listening sockets only (TCP LISTEN, unconnected UDP)
 */

/** What the help says beside the commander tree, handed over by src/commands/help.ts. */
export interface HelpTables {
  examplesOf(cmd: Command): readonly Example[];
  exitCodes: ReadonlyArray<readonly [number, string]>;
  environment: ReadonlyArray<readonly [string, string]>;
}

export function renderManPage(program: Command, tables: HelpTables): string {
  const help = program.createHelp();
  const name = program.name();
  const out: string[] = [
    `.TH ${name.toUpperCase()} 1 "" "${name} ${program.version() ?? ""}" "User Commands"`,
    ".SH NAME",
    `${name} \\- ${text(program.description())}`,
    ".SH SYNOPSIS",
    `.B ${name}`,
    "[\\fIoptions\\fR]",
    ".br",
    `.B ${name}`,
    "\\fIcommand\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]",
    ".SH DESCRIPTION",
    text(program.description()),
    "Without a command it lists sockets, like",
    ".BR netstat (8)",
    "and",
    ".BR ss (8);",
    "the options below select and format them.",
    ".SH OPTIONS",
    ...options(program, help),
    ".SH COMMANDS",
  ];
  for (const sub of help.visibleCommands(program)) {
    if (sub.name() === "help") continue;
    out.push(".SS", code(`${name} ${help.subcommandTerm(sub)}`), text(help.subcommandDescription(sub)));
    const args = help.visibleArguments(sub);
    for (const arg of args) out.push(".TP", ".I", code(help.argumentTerm(arg)), text(help.argumentDescription(arg)));
    // The socket selection flags many commands share with the root are listed once, under OPTIONS.
    const rootTerms = new Set(help.visibleOptions(program).map((o) => `${help.optionTerm(o)}\0${help.optionDescription(o)}`));
    const shared = (o: Option) => o.long !== "--help" && rootTerms.has(`${help.optionTerm(o)}\0${help.optionDescription(o)}`);
    out.push(...options(sub, help, (o) => !shared(o)));
    const common = help.visibleOptions(sub).filter(shared);
    if (common.length > 0) out.push(".PP", `Also ${common.map((o) => code(o.short ?? o.long ?? "")).join(", ")}, as under OPTIONS.`);
    const rows = tables.examplesOf(sub);
    if (rows.length > 0) out.push(".PP", "Examples:", ...examples(rows));
  }
  out.push(".SH EXAMPLES", ...examples(tables.examplesOf(program)));
  out.push(".SH EXIT STATUS");
  for (const [exitCode, meaning] of tables.exitCodes) out.push(".TP", `.B ${exitCode}`, text(meaning));
  out.push(".SH ENVIRONMENT");
  for (const [variable, meaning] of tables.environment) out.push(".TP", `.B ${variable}`, text(meaning));
  out.push(
    ".PP",
    "\\fB\\-\\-color\\fR and \\fB\\-\\-no\\-color\\fR win over both.",
    "Colour is used only when standard output is a terminal otherwise.",
    ".SH FILES",
    ".TP",
    ".I /proc/net/tcp, /proc/net/tcp6, /proc/net/udp, /proc/net/udp6",
    "The Linux socket tables.",
    ".TP",
    ".I /proc/<pid>/fd",
    "Socket owners (all of them only for root).",
    ".SH SEE ALSO",
    ".BR netstat (8),",
    ".BR ss (8),",
    ".BR lsof (8),",
    ".BR nstat (8)",
    "",
  );
  return out.join("\n");
}

function options(cmd: Command, help: Help, keep: (option: Option) => boolean = () => true): string[] {
  return help.visibleOptions(cmd).filter(keep).flatMap((option) => [".TP", ".B", code(help.optionTerm(option)), text(help.optionDescription(option))]);
}

function examples(rows: readonly Example[]): string[] {
  return rows.flatMap((row) => {
    const like = [row.netstat, row.ss].filter((c): c is string => c !== undefined);
    return [".TP", ".B", code(row.tcpstat), text(row.what + (like.length > 0 ? `; like ${like.join(" or ")}` : ""))];
  });
}

/** Prose: backslashes escaped, and a line that would start with a control character made literal. */
function text(value: string): string {
  return value
    .replace(/\\/g, "\\e")
    .split("\n")
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join("\n");
}

/** Commands and flags: like text, with ASCII hyphens that survive copy and paste, never hyphenated (\%). */
function code(value: string): string {
  return text(value)
    .replace(/-/g, "\\-")
    .replace(/(^|\s)(?=\S)/g, "$1\\%");
}
