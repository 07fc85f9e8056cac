import type { ChalkInstance } from "chalk";

/** What a format is told besides the records: colours and the columns asked for. */
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
  /** -w, -x: the table in ss's columns, with a Netid column (src/format/table-ss.ts). */
  netid?: boolean;
}
