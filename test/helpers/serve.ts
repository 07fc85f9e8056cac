import type { ChildProcess } from "node:child_process";

/**
 * Waits until a `tcpstat serve` child says on stderr that it is serving (or has written
 * `until`, for lines that follow the serving line); returns a reader of everything it has
 * written to stderr so far. Fails with that text if it exits or takes more than 30 s.
 */
export async function untilServing(child: ChildProcess, until = "serving"): Promise<() => string> {
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const deadline = Date.now() + 30_000;
  while (!stderr.includes(until)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return () => stderr;
}
