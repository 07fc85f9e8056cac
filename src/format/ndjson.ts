import type { SocketRecord } from "../model/socket.js";

/** `--ndjson`: one record a line, each line whole. */
export function* renderNdjson(records: Iterable<SocketRecord>): Iterable<string> {
  for (const r of records) yield `${JSON.stringify(r)}\n`;
}
