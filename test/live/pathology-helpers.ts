import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { lineFrom } from "../helpers/child-output.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { ssLines } from "./reference-tools.js";

const SCRIPT = fileURLToPath(new URL("./pathology-scenarios.py", import.meta.url));

/** What pathology-scenarios.py prints once its sockets are in place. */
export interface PathologyInfo {
  pid: number;
  port: number;
  process?: string;
  serverPid?: number;
  clientPid?: number;
}

export interface Pathology {
  ns: Netns;
  info: PathologyInfo;
  close(): void;
}

/**
 * A fresh namespace running one scenario of pathology-scenarios.py.
 * `setup` runs inside the namespace first (e.g. a sysctl). close() kills the scenario's
 * whole process group (it forks servers and clients), then the namespace.
 */
export async function startPathology(name: string, count?: number, setup: string[][] = []): Promise<Pathology> {
  const ns = createNetns();
  let child: ChildProcess | undefined;
  const close = () => {
    if (child?.pid) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    ns.close();
  };
  try {
    for (const [cmd, ...args] of setup) {
      const r = ns.run(cmd!, args);
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
    }
    child = ns.spawn("python3", [SCRIPT, name, ...(count === undefined ? [] : [String(count)])]);
    const info = JSON.parse(await lineFrom(child, `scenario ${name}`, /^READY (.*)\n/m)) as PathologyInfo;
    return { ns, info, close };
  } catch (error) {
    close();
    throw error;
  }
}


/** Number of sockets `ss -tanH ARGS` lists (with a `state` filter ss drops the state column). */
export function ssCount(ns: Netns, args: string[]): number {
  return ssLines(ns, ["-tanH", ...args]).length;
}
