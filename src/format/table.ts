import Table from "cli-table3";
import type { ChalkInstance } from "chalk";
import { formatEndpoint } from "../lib/endpoint.js";
import { escapeControl } from "../lib/safe-text.js";
import type { SocketRecord, Timer } from "../model/socket.js";
import { STATE_MEANING, paint, paintHeader } from "./style.js";

export interface TableOptions {
  chalk: ChalkInstance;
  /** Show the timer column, like `netstat -o`. */
  timers?: boolean;
}

/** "timewait (59.85/0)": the kind, seconds left and retransmits so far, as netstat -o shows them. */
export function formatTimer(timer: Timer | null): string {
  if (!timer) return "off";
  return `${timer.kind} (${(timer.expiresInMs / 1000).toFixed(2)}/${timer.retransmits})`;
}

const proto = (r: SocketRecord) => (r.family === "ipv6" ? `${r.proto}6` : r.proto);

/** Listeners first, then by local port, local address and peer, as a person scans the list. */
function compare(a: SocketRecord, b: SocketRecord): number {
  return (
    a.proto.localeCompare(b.proto) ||
    Number(b.state === "LISTEN") - Number(a.state === "LISTEN") ||
    a.localPort - b.localPort ||
    a.localAddress.localeCompare(b.localAddress) ||
    (a.remotePort ?? -1) - (b.remotePort ?? -1) ||
    (a.remoteAddress ?? "").localeCompare(b.remoteAddress ?? "")
  );
}

const BORDERLESS = {
  top: "", "top-mid": "", "top-left": "", "top-right": "",
  bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
  left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "",
  middle: " ",
};

/**
 * The netstat-like table:
 *
 *   Proto Recv-Q Send-Q Local Address   Foreign Address State  PID/Program
 *   tcp   0      0      127.0.0.1:5432  0.0.0.0:*       LISTEN 812/postgres
 */
export function* renderTable(records: readonly SocketRecord[], options: TableOptions): Iterable<string> {
  const { chalk, timers = false } = options;
  const head = ["Proto", "Recv-Q", "Send-Q", "Local Address", "Foreign Address", "State", "PID/Program"];
  if (timers) head.push("Timer");
  // --netns: which namespace each socket lives in (its ip-netns name, else net:[inode]).
  const netns = records.some((r) => r.netns);
  if (netns) head.unshift("Netns");
  const table = new Table({
    head: head.map((h) => paintHeader(chalk, h)),
    chars: BORDERLESS,
    style: { head: [], border: [], "padding-left": 0, "padding-right": 1 },
  });
  for (const r of [...records].sort(compare)) {
    const state = r.state ? paint(chalk, STATE_MEANING[r.state], r.state) : "";
    const owner = r.pid === null ? "-" : `${r.pid}/${escapeControl(r.process ?? "")}`;
    const row = [
      proto(r),
      String(r.recvQ ?? "-"),
      String(r.sendQ ?? "-"),
      formatEndpoint(r.localAddress, r.localPort, r.family),
      formatEndpoint(r.remoteAddress, r.remotePort, r.family),
      state,
      owner,
    ];
    if (timers) row.push(formatTimer(r.timer));
    if (netns) row.unshift(r.netns ? escapeControl(r.netns.name ?? `net:[${r.netns.inode}]`) : "-");
    table.push(row);
  }
  yield `${table.toString()}\n`;
}
