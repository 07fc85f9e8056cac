import type { Command } from "commander";
import { usageError } from "../errors.js";
import { LIST_FORMATS } from "../format/index.js";
import { collectReport } from "../index.js";
import { colorLevel, makeChalk, writeChunks, writeError } from "../io.js";
import { reportProblems } from "./problems.js";
import { addFilterOptions, toSocketFilter, type FilterFlags } from "./options.js";

interface ListFlags extends FilterFlags {
  json?: boolean;
  ndjson?: boolean;
  format?: string;
  timers?: boolean;
  color?: boolean;
  source?: string;
  quiet?: boolean;
}

export function addListOptions(cmd: Command): Command {
  return addFilterOptions(cmd)
    .option("-o, --timers", "show the timer column, like netstat -o")
    .option("--json", "one JSON array of records")
    .option("--ndjson", "one JSON record a line")
    .option("--format <name>", `output format: ${Object.keys(LIST_FORMATS).join(", ")}`)
    .option("--source <name>", "force a socket source instead of the platform's default")
    .option("--color", "force colour")
    .option("--no-color", "never colour")
    .option("-q, --quiet", "no notices on stderr");
}

export function chooseFormat(flags: Pick<ListFlags, "json" | "ndjson" | "format">): string {
  const chosen = [flags.json && "json", flags.ndjson && "ndjson", flags.format].filter(Boolean) as string[];
  if (new Set(chosen).size > 1) throw usageError(`conflicting formats: ${chosen.join(", ")}`, "choose one of --json, --ndjson, --format");
  const name = chosen[0] ?? "table";
  if (!LIST_FORMATS[name]) throw usageError(`unknown format '${name}'`, `choose one of: ${Object.keys(LIST_FORMATS).join(", ")}`);
  return name;
}

export async function runList(flags: ListFlags): Promise<void> {
  const filter = toSocketFilter(flags);
  const format = LIST_FORMATS[chooseFormat(flags)]!;
  const report = await collectReport({ owners: flags.owners, source: flags.source }, filter);
  if (!flags.quiet) {
    for (const notice of report.notices) writeError(notice);
    reportProblems(report.problems);
  }
  const chalk = makeChalk(colorLevel(Boolean(process.stdout.isTTY), process.env, flags.color));
  await writeChunks(format.render(report.records, { chalk, timers: Boolean(flags.timers) }));
}
