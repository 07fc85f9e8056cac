/**
 * The subcommands' names, in the order `tcpstat --help` and a typo's hint list them: cli.ts
 * gives each its module, early-read.ts knows from them that a run reads no tables at once.
 * early-read loads before the CLI, so this module imports nothing.
 */
export const SUBCOMMAND_NAMES = ["manpage", "schema", "completion", "metrics", "serve", "summary", "stats", "explain", "doctor", "trace", "lab", "rules", "top"] as const;

export type SubcommandName = (typeof SUBCOMMAND_NAMES)[number];
