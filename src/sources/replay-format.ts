import type { ServiceTable } from "../lib/services.js";
import type { ParseResult } from "../model/socket.js";
import type { ByteOrder } from "./linux-procfs/parse-proc-net.js";

/**
 * What a replay format is (`--input`): `{ name, detect(firstLines), parse(text, options) }`,
 * and what its parser takes and gives. The formats are listed in replay.ts; replay-rank.ts
 * ranks them on a capture's head.
 */

export interface ReplayOptions {
  /** Name for problem reports: the file name, or "stdin". */
  source: string;
  /** /proc dumps: the writer's byte order, when --byte-order gives it. */
  byteOrder?: ByteOrder;
  /** Port numbers of service names (a capture made without -n); the built-in table when absent. */
  services?: ServiceTable;
  /** Command lines pasted with the capture (`$ ss -o state established`), which some layouts need. */
  commands?: readonly string[];
}

export interface ReplayParsed extends ParseResult {
  notices?: string[];
  /** Extra words for --verbose, e.g. the byte order a /proc dump was read in. */
  detail?: string;
  /** /proc dumps: the byte order the capture was read in (given or detected). */
  byteOrder?: ByteOrder;
}

export interface ReplayFormat {
  name: string;
  description: string;
  /** True when the first (non-blank) lines of a capture are this format. */
  detect(lines: readonly string[]): boolean;
  parse(text: string, options: ReplayOptions): ReplayParsed;
  /** Lines that look like this format even when none of them reads as a row: ranks the "closest formats". */
  likeness?: RegExp;
}
