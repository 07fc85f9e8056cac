import type { ChalkInstance } from "chalk";
import type { SocketRecord } from "../model/socket.js";
import { renderJson } from "./json.js";
import { renderNdjson } from "./ndjson.js";
import { renderPrometheus } from "./prometheus.js";
import { renderTable } from "./table.js";

export interface RenderContext {
  chalk: ChalkInstance;
  timers: boolean;
}

export interface ListFormat {
  name: string;
  description: string;
  /** Chunks of whole lines; async when the format loads something first (see writeChunks). */
  render(records: SocketRecord[], ctx: RenderContext): Iterable<string> | AsyncIterable<string>;
}

/** The registry behind --format and the help text: one line a format. */
export const LIST_FORMATS: Readonly<Record<string, ListFormat>> = {
  table: { name: "table", description: "netstat-like table, coloured on a terminal", render: (r, ctx) => renderTable(r, ctx) },
  json: { name: "json", description: "one JSON array of socket records", render: (r) => renderJson(r) },
  ndjson: { name: "ndjson", description: "one JSON socket record a line", render: (r) => renderNdjson(r) },
  prometheus: { name: "prometheus", description: "Prometheus text metrics (as `tcpstat metrics`)", render: (r) => renderPrometheus({ records: r }) },
};
