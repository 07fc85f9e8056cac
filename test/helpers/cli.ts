import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Netns } from "./netns.js";

/** The built CLI, as users run it (`npm test` builds first). */
export const BIN = fileURLToPath(new URL("../../bin/tcpstat.cjs", import.meta.url));

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tcpstat ARGS`, optionally inside a test namespace, without colour unless env asks. */
export function runTcpstat(
  args: readonly string[],
  options: { netns?: Netns; env?: NodeJS.ProcessEnv; input?: string } = {},
): CliResult {
  const env = { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, ...options.env };
  const result = options.netns
    ? options.netns.run(process.execPath, [BIN, ...args], { env, input: options.input })
    : spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env, input: options.input, maxBuffer: 256 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
