import type { ChildProcess } from "node:child_process";

/**
 * Waits for a long-running child to say it is ready: resolves with capture group 1 of
 * `pattern` once it matches the child's stdout so far (by default its first whole line).
 * Rejects, with what the child wrote to stderr, if the child exits first or nothing
 * matches within `timeoutMs`. `what` names the child in those errors.
 *
 *   const port = Number(await lineFrom(child, "listener"));
 *   const info = JSON.parse(await lineFrom(child, "scenario", /^READY (.*)\n/m));
 */
export function lineFrom(child: ChildProcess, what: string, pattern: RegExp = /^(.*)\n/, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    let settled = false;
    const settle = (error: Error | null, value = "") => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(value);
    };
    const timer = setTimeout(() => settle(new Error(`${what}: nothing matching ${pattern} after ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
    // Both streams keep being read after this settles, so the child never blocks on a full pipe.
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      if (!settled) err += d;
    });
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      if (settled) return;
      out += d;
      const m = pattern.exec(out);
      if (m) settle(null, m[1] ?? "");
    });
    // Exited: what it wrote last may still be in the pipe, so decide once stdout has ended.
    const exited = () => {
      const fail = () => settle(new Error(`${what} exited with ${child.exitCode ?? child.signalCode} before printing ${pattern}: ${err}`));
      const stdout = child.stdout;
      if (!stdout || stdout.readableEnded || stdout.destroyed) return setImmediate(fail);
      stdout.once("end", fail).once("close", fail);
      setTimeout(fail, 1000).unref();
    };
    if (child.exitCode !== null || child.signalCode !== null) exited();
    else child.once("exit", exited);
  });
}
