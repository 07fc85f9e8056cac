import type { SocketRecord } from "../model/socket.js";
import type { RecordLines } from "./index.js";
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

/** The same lines record by record, for a listing written as it is read (see LIST_FORMATS). */
export function ndjsonLines(): RecordLines {
  return { add: (r) => `${recordJson(r)}\n`, end: () => "" };
}
