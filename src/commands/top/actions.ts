import type { TcpstatError } from "../../errors.js";
import { formatEndpoint } from "../../lib/endpoint.js";
import type { Places } from "./places.js";
import type { TopRow } from "./view.js";

/**
 * What `c` and `k` do to the machine, after the user said yes: exactly the connection or the
 * process asked about, and one line saying what happened.
 */

/** Sends the signal; the message says whether it was delivered and what next. */
export function signalProcess(pid: number, signal: "SIGTERM" | "SIGKILL"): string {
  if (pid === process.pid) return "that is tcpstat itself: no signal sent";
  try {
    process.kill(pid, signal);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ESRCH") return `process ${pid} has already exited`;
    if (code === "EPERM") return `not allowed to signal process ${pid} (run as its user or root)`;
    return `could not signal process ${pid}: ${(error as Error).message}`;
  }
  return `${signal} sent to process ${pid}`;
}

/** Whether a process still runs (signal 0). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export const describeConnection = (row: TopRow): string => {
  const r = row.record;
  return `${formatEndpoint(r.localAddress, r.localPort, r.family)} -> ${formatEndpoint(r.remoteAddress, r.remotePort, r.family)}`;
};

/**
 * Closes exactly this connection (SOCK_DESTROY through ss -K, as tcpstat -K: the peer sees a
 * reset, the holder ECONNABORTED); the message says what happened, or why it could not be.
 */
export async function closeConnection(row: TopRow, places: Places): Promise<string> {
  const { checkCanClose, closeConnections } = await import("../../sources/linux-ss/close-connections.js");
  try {
    // In its own namespace when --container read another one: checked here (the probe listens here), closed there.
    const runners = places.runners(row.record.netns);
    if (runners === null) return `not closed: ${describeConnection(row)}: its network namespace is gone`;
    if (runners) await checkCanClose();
    const [result] = await closeConnections([row.record], runners ? { exec: runners.exec, checked: true } : {});
    return result?.closed ? `closed ${describeConnection(row)}` : `not closed: ${describeConnection(row)}: ${result?.reason ?? "ss closed nothing"}`;
  } catch (error) {
    const e = error as TcpstatError;
    return `cannot close ${describeConnection(row)}: ${e.message}${e.hint ? ` (${e.hint})` : ""}`;
  }
}
