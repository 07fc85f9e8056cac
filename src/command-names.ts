/**
 * The subcommands' names, in the order `tcpstat --help` and a typo's hint list them: cli.ts
 * gives each its module, placement.ts knows from them where an optional value ends.
 */
export const SUBCOMMAND_NAMES = ["manpage", "schema", "completion", "metrics", "serve", "summary", "stats", "explain", "doctor", "trace", "lab", "rules", "top"] as const;

export type SubcommandName = (typeof SUBCOMMAND_NAMES)[number];
