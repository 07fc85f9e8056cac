import type { SocketRecord } from "../model/socket.js";
import type { ProcRow } from "../model/socket-row.js";
import type { TcpState } from "../model/state.js";

/**
 * Records handed over as they are read instead of returned (`records` then comes back
 * empty): `tcpstat summary` counts 100k sockets, and `--json` without owners writes them,
 * without holding them. The same three hooks pass from collectReport (the public
 * ListOptions carry onRecord only) through the source chain (CollectOptions) down to the Linux reader (LinuxCollectOptions);
 * a source that cannot stream returns its records and collectSockets feeds them to onRecord.
 */
export interface RecordSinks {
  /** Each matching record, in order. */
  onRecord?: (record: SocketRecord) => void;
  /**
   * With onRecord: a source that can (Linux /proc/net, without owners) hands each matching
   * row over this way instead, decoded but not made into a record (see ProcRow).
   */
  onRow?: (row: ProcRow) => void;
  /**
   * The filters that need no owner, run on each row a source decodes before it makes the
   * row's record (Linux /proc/net): a row said no to costs no record. Sources that cannot
   * ignore it; collectReport filters every record again.
   */
  keepRow?: (row: ProcRow) => boolean;
  /** Asked before keepRow, from a row's state, local port and family alone (lib/filter.ts's makeEarlyPredicate). */
  keepEarly?: (state: TcpState | null, localPort: number, family: "ipv4" | "ipv6") => boolean;
  /** With onRecord: awaited between pieces of a big table, so a slow reader of the output holds the reading back. */
  pace?: () => Promise<void> | undefined;
}
