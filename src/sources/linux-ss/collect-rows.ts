import { execChunks, type ChunkRunner } from "../../lib/exec.js";
import type { Problem } from "../../model/socket.js";
import { SsRowReader, type SsRowOptions } from "./parse-ss-rows.js";
import { SS_ROW_ARGS } from "./ss-info-args.js";

/**
 * TCP sockets and their tcp_info from one `ss -tainHO`, each row handed over as ss writes it
 * (parse-ss-rows.ts): -i's table without owners, which then needs no /proc/net/tcp read beside
 * ss (BENCHMARKS.md, issue 18, third and fifth passes). The caller makes sure ss is there (hasSs).
 */
export async function collectSsRows(o: Omit<SsRowOptions, "source" | "extended"> & { chunks?: ChunkRunner }): Promise<{ problems: Problem[] }> {
  const reader = new SsRowReader({ ...o, source: `ss ${SS_ROW_ARGS.join(" ")}`, extended: false });
  await (o.chunks ?? execChunks)("ss", SS_ROW_ARGS, (chunk) => reader.push(chunk), { timeoutMs: 60_000, maxBytes: 512 * 1024 * 1024 });
  reader.end();
  return { problems: reader.problems };
}
