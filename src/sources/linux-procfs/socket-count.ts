import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Below this many TCP sockets, the owner scan and the reading run in this thread. */
export const OVERLAP_FROM = 5000;

/** The count taken before the CLI loaded (src/start.ts, src/early-read.ts), for the run's first read. */
let early: { procRoot: string; count: number } | undefined;

/**
 * tcpSocketCount, kept for the first read of the run to take instead of reading the files
 * again; read once however often asked. `taken` is a count made moments before by src/start.ts,
 * a bundle of its own (dist/start.cjs), which hands it to the CLI's (src/run.ts).
 */
export function countEarly(procRoot: string, taken?: number): number {
  if (early?.procRoot !== procRoot) early = { procRoot, count: taken ?? tcpSocketCount(procRoot) };
  return early.count;
}

/** The count taken early for `procRoot`, once; later reads (--watch frames) count afresh. */
export function socketCount(procRoot: string): number {
  const taken = early?.procRoot === procRoot ? early.count : undefined;
  early = undefined;
  return taken ?? tcpSocketCount(procRoot);
}

/** TCP sockets in this namespace, from /proc/net/sockstat{,6} (tiny files); 0 if unknown. */
export function tcpSocketCount(procRoot: string): number {
  let count = 0;
  for (const file of ["sockstat", "sockstat6"]) {
    let text: string;
    try {
      text = readFileSync(join(procRoot, "net", file), "latin1");
    } catch {
      continue;
    }
    // "TCP: inuse 5 orphan 0 tw 2 alloc 7 mem 1" (sockstat) and "TCP6: inuse 3" (sockstat6)
    const line = /^TCP6?: (.*)$/m.exec(text)?.[1] ?? "";
    for (const key of ["inuse", "tw"]) count += Number(new RegExp(`\\b${key} (\\d+)`).exec(line)?.[1] ?? 0);
  }
  return count;
}
