import { readFile } from "node:fs/promises";
import { Argument, Command } from "commander";
import { TcpstatError, usageError } from "../errors.js";
import { nearest } from "../lib/suggest.js";
import { writeChunks } from "../io.js";
import { OUTPUT_SCHEMA_NAMES, OUTPUT_SCHEMAS, type OutputSchemaName } from "../model/schemas.js";
import { addExamples } from "./help.js";

/**
 * `tcpstat schema [NAME]`: the JSON Schema of one JSON output, exactly the file the package
 * ships as schema/NAME.json (generated from the zod schemas at build time); without NAME,
 * the names and which command prints each.
 */
export function registerSchema(program: Command): void {
  const cmd = new Command("schema")
    .description("print the JSON Schema of a JSON output (the contract for scripts); list the names without one")
    // The choices feed shell completion; a wrong name is answered by checkName, in tcpstat's words.
    .addArgument(new Argument("[name]", "which output").choices(OUTPUT_SCHEMA_NAMES).argParser((name: string) => checkName(name)))
    .action((name: string | undefined) => (name ? printSchema(checkName(name)) : listSchemas()));
  addExamples(cmd, [
    { what: "the names of every JSON output's schema", tcpstat: "tcpstat schema" },
    { what: "the schema of tcpstat --json", tcpstat: "tcpstat schema sockets > sockets.schema.json" },
    { what: "the schema of one --ndjson line", tcpstat: "tcpstat schema socket-record" },
  ]);
  program.addCommand(cmd);
}

/** A schema's name, or a usage error in tcpstat's words with the nearest name. */
function checkName(name: string): OutputSchemaName {
  if ((OUTPUT_SCHEMA_NAMES as readonly string[]).includes(name)) return name as OutputSchemaName;
  const guess = nearest(name, OUTPUT_SCHEMA_NAMES);
  throw usageError(`unknown schema '${name}'${guess ? ` (did you mean ${guess}?)` : ""}`, `choose one of: ${OUTPUT_SCHEMA_NAMES.join(", ")}`);
}

/** The shipped file sits beside dist/: <package>/schema/NAME.json. */
function shippedSchemaUrl(name: OutputSchemaName): URL {
  return new URL(`../schema/${name}.json`, import.meta.url);
}

async function printSchema(name: OutputSchemaName): Promise<void> {
  let text: string;
  try {
    text = await readFile(shippedSchemaUrl(name), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new TcpstatError(`schema file for '${name}' is missing from this install (${code})`, "reinstall tcpstat, or run npm run build in a checkout");
  }
  await writeChunks([text.endsWith("\n") ? text : `${text}\n`]);
}

async function listSchemas(): Promise<void> {
  const width = Math.max(...OUTPUT_SCHEMA_NAMES.map((n) => n.length));
  const lines = OUTPUT_SCHEMA_NAMES.map((n) => `${n.padEnd(width)}  ${OUTPUT_SCHEMAS[n].printedBy}: ${OUTPUT_SCHEMAS[n].description}\n`);
  await writeChunks(lines);
}
