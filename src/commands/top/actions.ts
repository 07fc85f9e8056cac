import { formatEndpoint } from "../../lib/endpoint.js";
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

/** Closes the connection (ss -K, as tcpstat -K); the message says what happened. */
export async function closeConnection(row: TopRow): Promise<string> {
  return `closing connections needs tcpstat -K, which this build does not have: ${describeConnection(row)} left open`;
}
