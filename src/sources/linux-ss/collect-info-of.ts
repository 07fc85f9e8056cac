import { execLines, type LineRunner } from "../../lib/exec.js";
import { SS_INFO_ARGS } from "./collect-info.js";
import { SsInfoStore } from "./parse-ss-info.js";

/**
 * tcp_info of a few connections only (the rows on a screen), by a filter ss hands to the
 * kernel (inet_diag bytecode), so that ss neither prints nor we parse the other sockets:
 *
 *   [{ localPort: 43428, remotePort: 5000 }]
 *   -> ss -tainHOe ( sport = :43428 and dport = :5000 )
 *
 * Ports alone select: another socket on the same ports is read too, and the caller joins by
 * inode, so a socket ss gives beyond those asked is never shown against another row. The
 * connections are asked in groups of GROUP, one ss each, to keep each expression short (a first
 * pass saw extra sockets from 32 terms on; a check of up to 200 terms by hand did not, so that
 * was likely another namespace's reading). Run only where ss exists (the caller knows it from
 * collectTcpInfo's notices).
 */
const GROUP = 16;

export interface PortPair {
  localPort: number;
  remotePort: number;
}

/** The filter words of one group: "(", "sport", "=", ":43428", "and", ... ")", "or", ... */
export function portFilter(pairs: readonly PortPair[]): string[] {
  const words: string[] = [];
  for (const p of pairs) {
    if (words.length > 0) words.push("or");
    words.push("(", "sport", "=", `:${p.localPort}`, "and", "dport", "=", `:${p.remotePort}`, ")");
  }
  return words;
}

export async function collectTcpInfoOf(pairs: readonly PortPair[], o: { lines?: LineRunner } = {}): Promise<SsInfoStore> {
  const store = new SsInfoStore(`ss ${SS_INFO_ARGS.join(" ")} (filtered)`);
  const seen = new Set<string>();
  const unique = pairs.filter((p) => !seen.has(`${p.localPort} ${p.remotePort}`) && seen.add(`${p.localPort} ${p.remotePort}`));
  const groups: PortPair[][] = [];
  for (let i = 0; i < unique.length; i += GROUP) groups.push(unique.slice(i, i + GROUP));
  const run = o.lines ?? execLines;
  await Promise.all(groups.map((g) => run("ss", [...SS_INFO_ARGS, ...portFilter(g)], (line) => store.line(line), { timeoutMs: 10_000, maxBytes: 64 * 1024 * 1024 })));
  return store;
}
