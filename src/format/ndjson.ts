import type { SocketRecord } from "../model/socket.js";
import { recordJson } from "./record-json.js";

/** Records per chunk (chunks hold whole lines only). */
const BATCH = 256;

/** `--ndjson`: one record a line, each line whole, streamed in chunks of lines. */
export function* renderNdjson(records: Iterable<SocketRecord>): Iterable<string> {
  let chunk = "";
  let n = 0;
  for (const r of records) {
    chunk += `${recordJson(r)}\n`;
    if (++n % BATCH === 0) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk !== "") yield chunk;
}
