import type { OutputStream } from "../io.js";
import type { SocketRecord } from "../model/socket.js";
import type { JsonStream } from "./json-stream.js";
import type { GatheredTable } from "./table-gathered.js";
import type { RenderContext } from "./render-context.js";

export type { RenderContext } from "./render-context.js";

/**
 * A format written record by record onto the output as the sockets come (no sorting, no
 * column widths): JSON and NDJSON, through the streaming JSON writer (json-stream.ts).
 *
 *   const writer = await LIST_FORMATS.json.open!(out);
 *   writer.record(r); ...; writer.end();
 */
export type RecordWriter = Pick<JsonStream, "record" | "row" | "end">;

/**
 * One output format: `open` when it is written record by record as the sockets come,
 * `render` when it needs them all at once (the table's widths and order, the metrics' sums).
 */
export interface ListFormat {
  name: string;
  description: string;
  /** Chunks of whole lines; async when the format loads something first (see writeChunks). */
  render?(records: SocketRecord[], ctx: RenderContext): Iterable<string> | AsyncIterable<string>;
  open?(out: OutputStream): Promise<RecordWriter>;
  /**
   * The same output laid out a second way, for speed: gathered row by row as the tables are
   * read, no record kept (the listing without owners; table-gathered.ts). It writes the same
   * bytes as `render` (held byte-equal in test/format).
   */
  gather?(...args: ConstructorParameters<typeof GatheredTable>): Promise<GatheredTable>;
}

const jsonWriter = (kind: "json" | "ndjson") => async (out: OutputStream) => new (await import("./json-stream.js")).JsonStream(kind, out);

/** The registry behind --format and the help text: one line a format, its module loaded when used. */
export const LIST_FORMATS: Readonly<Record<string, ListFormat>> = {
  table: { name: "table", description: "netstat-like table, coloured on a terminal", render: async function* (r, ctx) { yield* ctx.netid ? (await import("./table-ss.js")).renderSsTable(r, ctx) : (await import("./table.js")).renderTable(r, ctx); }, gather: async (...args) => new (await import("./table-gathered.js")).GatheredTable(...args) },
  json: { name: "json", description: "one JSON array of socket records", open: jsonWriter("json") },
  ndjson: { name: "ndjson", description: "one JSON socket record a line", open: jsonWriter("ndjson") },
  prometheus: { name: "prometheus", description: "Prometheus text metrics (as `tcpstat metrics`)", render: async function* (r) { yield* (await import("./prometheus.js")).renderPrometheus({ records: r }); } },
};
