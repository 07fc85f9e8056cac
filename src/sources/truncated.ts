import type { EndpointField, SocketRecord } from "../model/socket.js";

/**
 * The notice for rows kept with a field cut by the tool's column width (the record lists them in
 * `truncated`): how many, and the first, named with its line, so the cut is said, never passed on
 * silently as an address or a port.
 *
 *   cutNotice("netstat.txt", [{ line: 7, record }])
 *   -> "1 row(s) kept with a field cut by the tool's column width; cut fields are listed in "truncated",
 *       first at netstat.txt:7: local address '::ffff:192.168.0.'"
 */

export interface CutRow {
  line: number;
  record: SocketRecord;
}

const WORDS: Readonly<Record<EndpointField, string>> = {
  localAddress: "local address",
  localPort: "local port",
  remoteAddress: "remote address",
  remotePort: "remote port",
};

export function cutNotice(source: string, rows: readonly CutRow[], lead = "kept with a field cut by the tool's column width"): string[] {
  const cut = rows.filter((c) => c.record.truncated !== undefined);
  const first = cut[0];
  if (!first) return [];
  const field = first.record.truncated![0] as EndpointField;
  const value = first.record[field];
  return [`${cut.length} row(s) ${lead}; cut fields are listed in "truncated", first at ${source}:${first.line}: ${WORDS[field]} '${String(value)}'`];
}
