import type { ChalkInstance } from "chalk";
import type { SocketRecord } from "../model/socket.js";

export interface RenderContext {
  chalk: ChalkInstance;
  timers: boolean;
  /** -i: the tcp_info columns (RTT, Cwnd, Retrans, Sent, Recv, Idle). */
  info?: boolean;
  /** -e: Uid, Inode and Cookie columns. */
  extended?: boolean;
  /** -m: socket memory columns. */
  memory?: boolean;
  /** false with -H: no header line. */
  header?: boolean;
}

export interface ListFormat {
  name: string;
  description: string;
  /** Chunks of whole lines; async when the format loads something first (see writeChunks). */
  render(records: SocketRecord[], ctx: RenderContext): Iterable<string> | AsyncIterable<string>;
}

/** The registry behind --format and the help text: one line a format, its module loaded when used. */
export const LIST_FORMATS: Readonly<Record<string, ListFormat>> = {
  table: { name: "table", description: "netstat-like table, coloured on a terminal", render: async function* (r, ctx) { yield* (await import("./table.js")).renderTable(r, ctx); } },
  json: { name: "json", description: "one JSON array of socket records", render: async function* (r) { yield* (await import("./json.js")).renderJson(r); } },
  ndjson: { name: "ndjson", description: "one JSON socket record a line", render: async function* (r) { yield* (await import("./ndjson.js")).renderNdjson(r); } },
  prometheus: { name: "prometheus", description: "Prometheus text metrics (as `tcpstat metrics`)", render: async function* (r) { yield* (await import("./prometheus.js")).renderPrometheus({ records: r }); } },
};
