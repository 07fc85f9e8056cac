import { readEarly } from "./early-read.js";
import { countEarly } from "./sources/linux-procfs/socket-count.js";

/**
 * What dist/cli.cjs runs (started by src/start.ts): the early read of the socket tables
 * (src/early-read.ts), then the CLI. One bundle holds both; the CLI's modules (commander
 * and the rest) are evaluated only at the import below, once the kernel has started printing.
 */
export async function run(args: readonly string[], tcpSockets?: number): Promise<void> {
  // The count src/start.ts took of this namespace's sockets: /proc/net/sockstat is not read again.
  if (tcpSockets !== undefined) countEarly("/proc", tcpSockets);
  readEarly(args);
  await import("./cli.js");
}
