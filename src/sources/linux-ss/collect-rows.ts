import { execChunks } from "../../lib/exec.js";
import type { Problem } from "../../model/socket.js";
import { SsRowReader, type SsRowOptions } from "./parse-ss-rows.js";
import { SS_ROW_MAX_BYTES, ssRowCommands } from "./ss-info-args.js";

/**
 * TCP sockets and their tcp_info from `ss -tainHO` (two at once on two halves of the sockets,
 * where there are two cores: ss-info-args.ts), each row handed over as ss writes it
 * (parse-ss-rows.ts): -i's table without owners, which then needs no /proc/net/tcp read beside
 * ss (BENCHMARKS.md, issue 18, third and fifth passes). The caller makes sure ss is there (hasSs).
 */
export async function collectSsRows(o: Omit<SsRowOptions, "source" | "extended">): Promise<{ problems: Problem[] }> {
  const commands = ssRowCommands();
  const readers = commands.map((args) => new SsRowReader({ ...o, source: `ss ${args.join(" ")}`, extended: false }));
  await Promise.all(commands.map((args, k) => execChunks("ss", args, (chunk) => readers[k]!.push(chunk), { timeoutMs: 60_000, maxBytes: SS_ROW_MAX_BYTES, spool: true })));
  for (const reader of readers) reader.end();
  return { problems: readers.flatMap((reader) => reader.problems) };
}
