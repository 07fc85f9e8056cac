import type { SocketRecord } from "../model/socket.js";
import { recordJson } from "./record-json.js";

/** Records per chunk: few enough chunks that handing them over costs nothing, each still small. */
const BATCH = 256;

/**
 * `--json`: one array, one record a line, streamed in chunks of whole records so that
 * 100k sockets never build one huge string:
 *
 *   [
 *   {"proto":"tcp",...},
 *   {"proto":"tcp",...}
 *   ]
 */
export function* renderJson(records: Iterable<SocketRecord>): Iterable<string> {
  const lines = jsonLines();
  let chunk = "";
  let n = 0;
  for (const r of records) {
    chunk += lines.add(r);
    if (++n % BATCH === 0) {
      yield chunk;
      chunk = "";
    }
  }
  yield chunk + lines.end();
}

function jsonLines() {
  let n = 0;
  return {
    add: (r: SocketRecord) => `${n++ === 0 ? "[\n" : ",\n"}${recordJson(r)}`,
    end: () => (n === 0 ? "[]\n" : "\n]\n"),
  };
}
