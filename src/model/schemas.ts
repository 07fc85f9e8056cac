import { z } from "zod";
import { DoctorReportSchema, ExplanationSchema, FindingSchema, LessonSchema, StatsSchema, SummarySchema, WatchEventSchema } from "./report.js";
import { SocketRecordSchema } from "./socket.js";
import { TraceEventSchema } from "./trace.js";

/**
 * Every JSON output of tcpstat, by the name `tcpstat schema NAME` prints it under.
 * The build turns each into schema/NAME.json (JSON Schema 2020-12, shipped in the package);
 * the zod schema stays the one description of that output.
 *
 * A new JSON output adds one line here: its name (kebab-case, stable: scripts refer to it),
 * the zod schema, and the command that prints it.
 */
export interface OutputSchema {
  schema: z.ZodType;
  /** Which command line prints JSON of this shape. */
  printedBy: string;
  description: string;
}

export const OUTPUT_SCHEMAS = {
  "socket-record": {
    schema: SocketRecordSchema,
    printedBy: "tcpstat --ndjson (one a line)",
    description: "One socket: protocol, endpoints, TCP state, queues, owner, timer",
  },
  sockets: {
    schema: z.array(SocketRecordSchema),
    printedBy: "tcpstat --json",
    description: "The socket list: an array of socket records",
  },
  summary: { schema: SummarySchema, printedBy: "tcpstat summary --json (with --watch: one a line)", description: "Counts by state, protocol and family, top groups" },
  stats: { schema: StatsSchema, printedBy: "tcpstat stats --json", description: "Kernel TCP/UDP counters, with rates over --interval" },
  doctor: { schema: DoctorReportSchema, printedBy: "tcpstat doctor --json", description: "Health check: findings with evidence, cause and fix" },
  finding: { schema: FindingSchema, printedBy: "tcpstat doctor --json (findings[])", description: "One problem doctor found" },
  explanation: { schema: ExplanationSchema, printedBy: "tcpstat explain STATE --json", description: "What a TCP state means and what to do about many of them" },
  explanations: { schema: z.array(ExplanationSchema), printedBy: "tcpstat explain --json", description: "Every TCP state explained, with live counts" },
  lesson: { schema: LessonSchema, printedBy: "tcpstat explain handshake|teardown --json", description: "A lesson of the state diagram: the segments, each side's states, the whys" },
  "watch-event": {
    schema: WatchEventSchema,
    printedBy: "tcpstat --watch --ndjson (one a line)",
    description: "A socket opened, closed or changed state",
  },
  "trace-event": {
    schema: TraceEventSchema,
    printedBy: "tcpstat trace --ndjson (one a line)",
    description: "A TCP state change, reset, retransmit, finished connection (lifespan), lost-events report or the closing summary",
  },
} as const satisfies Record<string, OutputSchema>;

export type OutputSchemaName = keyof typeof OUTPUT_SCHEMAS;
export const OUTPUT_SCHEMA_NAMES = Object.keys(OUTPUT_SCHEMAS) as OutputSchemaName[];

/**
 * The JSON Schema (draft 2020-12) of one output, as shipped in schema/NAME.json.
 * Every object in it has `additionalProperties: false`: tcpstat prints no field it does not describe.
 *
 *   outputJsonSchema("socket-record")
 *   // { $schema: "https://json-schema.org/draft/2020-12/schema", title: "tcpstat socket-record",
 *   //   type: "object", properties: { proto: { type: "string", enum: ["tcp", "udp"] }, ... } }
 */
export function outputJsonSchema(name: OutputSchemaName): Record<string, unknown> {
  const entry: OutputSchema = OUTPUT_SCHEMAS[name];
  const { $schema, description: _own, ...body } = z.toJSONSchema(entry.schema, { target: "draft-2020-12", io: "output" });
  return { $schema, title: `tcpstat ${name}`, description: `${entry.description}. Printed by: ${entry.printedBy}.`, ...body };
}
