import { groupLabeler, type GroupLabeler } from "../../lib/summarize.js";
import { HOLDERS_PENDING, processLabel, stateText } from "./format.js";
import { extraText, type GroupBy, type TopRow } from "./view.js";

export interface Group {
  label: string;
  count: number;
  sentBps: number;
  recvBps: number;
}

/** The label a row is grouped under; `port`: summary --by port's service port of a record. */
function labelOf(row: TopRow, by: GroupBy, port: GroupLabeler | null): string {
  const r = row.record;
  switch (by) {
    case "process":
      if (row.holdersPending) return HOLDERS_PENDING;
      return r.pid === null ? processLabel(r) : `${r.pid}/${processLabel(r)}`;
    case "port":
      // A listener's port, or a connection's service side, as summary --by port counts it.
      return `${r.proto} ${port!(r)}`;
    case "state":
      return stateText(r);
    case "container":
      return extraText(r, "container") ?? "(no container)";
  }
}

/**
 * Rows (those the filter shows) counted by process, port, state or container, with the bytes a
 * second of each group; gone rows are left out. The busiest group first, then the largest.
 * `all`: every row, for which ports are listened on (a filter may hide the listener).
 *
 *   rows of nginx (3, 1.2 MB/s) and sshd (1) -> [{ label: "812/nginx", count: 3, ... }, { label: "903/sshd", count: 1, ... }]
 */
export function groupRows(rows: readonly TopRow[], by: GroupBy, all: readonly TopRow[] = rows): Group[] {
  const groups = new Map<string, Group>();
  const port = by === "port" ? groupLabeler("port", all.map((row) => row.record)) : null;
  for (const row of rows) {
    if (row.mark === "gone") continue;
    const label = labelOf(row, by, port);
    let g = groups.get(label);
    if (!g) groups.set(label, (g = { label, count: 0, sentBps: 0, recvBps: 0 }));
    g.count++;
    g.sentBps += row.sentBps ?? 0;
    g.recvBps += row.recvBps ?? 0;
  }
  return [...groups.values()].sort((a, b) => b.sentBps + b.recvBps - (a.sentBps + a.recvBps) || b.count - a.count || (a.label < b.label ? -1 : 1));
}
