import type { SocketRecord } from "../model/socket.js";

/** `--json`: one array, streamed record by record so 100k sockets never build one huge string. */
export function* renderJson(records: Iterable<SocketRecord>): Iterable<string> {
  let first = true;
  for (const r of records) {
    yield first ? "[\n" : ",\n";
    yield JSON.stringify(r);
    first = false;
  }
  yield first ? "[]\n" : "\n]\n";
}
