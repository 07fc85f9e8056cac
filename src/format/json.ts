import type { SocketRecord } from "../model/socket.js";
import { JSON_OPEN, JSON_SEP, jsonClose, recordJson } from "./record-json.js";

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
  let chunk = "";
  let n = 0;
  for (const r of records) {
    chunk += `${n === 0 ? JSON_OPEN : JSON_SEP}${recordJson(r)}`;
    if (++n % BATCH === 0) {
      yield chunk;
      chunk = "";
    }
  }
  yield chunk + jsonClose(n);
}
