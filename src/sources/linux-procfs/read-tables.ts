import { readFileSync } from "node:fs";
import { endianness } from "node:os";
import { join } from "node:path";
import { TcpstatError } from "../../errors.js";
import type { Family, Problem, Proto, SocketRecord } from "../../model/socket.js";
import type { RecordSinks } from "../record-sinks.js";
import { parsePasswd } from "./parse-passwd.js";
import { ProcNetParser } from "./parse-proc-net.js";
import { parseProcNetUnix } from "./parse-proc-net-unix.js";
import { takeEarlyReads } from "./head-start.js";
import { readAhead } from "./read-ahead.js";
import { CHUNK, readLineChunks } from "./read-lines.js";

/**
 * The socket tables (/proc/net/{tcp,tcp6,udp,udp6}, and raw, raw6, unix when asked) and the users owning the sockets:
 * everything a listing needs but the owning processes.
 */

/**
 * The options of the Linux collectors: readTables here, collectLinux (collect.ts) with owners.
 * The sinks (RecordSinks) apply without owners only: owners are matched once all records are read.
 */
export interface LinuxCollectOptions extends RecordSinks {
  protos: readonly Proto[];
  families: readonly Family[];
  /** Resolve owning processes through /proc/<pid>/fd (costly on big machines). */
  owners: boolean;
  /** Seams for tests: where /proc and /etc live. */
  procRoot?: string;
  etcRoot?: string;
  /** Directory holding tcp, tcp6, udp, udp6: default <procRoot>/net; /proc/<pid>/net reads another namespace's tables. */
  netRoot?: string;
  /** Pids found holding a listed socket while the worker scans (owner-scan.ts); not called on the in-thread path. */
  onHolders?: (pids: Int32Array) => ReadonlyArray<string | null> | void;
}

export interface CollectResult {
  records: SocketRecord[];
  problems: Problem[];
  /** One-line notices for stderr, e.g. owners that could not be read. */
  notices: string[];
}

const TABLES: ReadonlyArray<{ proto: Proto; family: Family; file: string }> = [
  { proto: "tcp", family: "ipv4", file: "tcp" },
  { proto: "tcp", family: "ipv6", file: "tcp6" },
  { proto: "udp", family: "ipv4", file: "udp" },
  { proto: "udp", family: "ipv6", file: "udp6" },
  // -w/--raw: raw sockets, in the same layout as udp.
  { proto: "raw", family: "ipv4", file: "raw" },
  { proto: "raw", family: "ipv6", file: "raw6" },
];

/**
 * The tables asked for, each with its path and a parser, and where their records go: each
 * is handed over as it is read with its family filtered and its user named (tcp6 also holds
 * IPv4-mapped sockets: those stay family ipv6, like ss shows them), to onRecord (or onRow)
 * when given, else into `records`.
 */
function plan(options: LinuxCollectOptions) {
  const { procRoot = "/proc", onRecord, families } = options;
  const byteOrder = endianness();
  const users = readUsers(options.etcRoot ?? "/etc");
  const named = <T extends { family: Family; uid: number | null; user: string | null }>(give: (r: T) => void) => (r: T) => {
    if (r.family !== "unix" && !families.includes(r.family)) return;
    if (r.uid !== null) r.user = users.get(r.uid) ?? null;
    give(r);
  };
  const records: SocketRecord[] = [];
  const sink = named(onRecord ?? ((r: SocketRecord) => void records.push(r)));
  const rowSink = onRecord && options.onRow && named(options.onRow);
  const tables = TABLES.filter((t) => options.protos.includes(t.proto)).map((t) => {
    const path = join(options.netRoot ?? join(procRoot, "net"), t.file);
    return { path, parser: new ProcNetParser({ proto: t.proto, byteOrder, source: path, onRecord: sink, onRow: rowSink, keepRow: options.keepRow, keepEarly: options.keepEarly }) };
  });
  // -x/--unix: /proc/net/unix has a layout of its own, read whole (src/sources/linux-procfs/parse-proc-net-unix.ts).
  const unix = options.protos.includes("unix") ? join(options.netRoot ?? join(procRoot, "net"), "unix") : undefined;
  return { tables, records, unix };
}

/**
 * The unix sockets, kept in `records` even when the others go to a sink: their peers are
 * joined once all are read (src/sources/linux-ss/unix-peers.ts); false when the file does not exist.
 */
function readUnix(path: string, records: SocketRecord[], problems: Problem[]): boolean {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  const parsed = parseProcNetUnix(text, path);
  for (const r of parsed.records) records.push(r);
  problems.push(...parsed.problems);
  return true;
}

export function readUsers(etcRoot: string): Map<number, string> {
  try {
    return parsePasswd(readFileSync(join(etcRoot, "passwd"), "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Map();
    throw error;
  }
}

/** Reads and parses the tables in this thread. */
export function readTables(options: LinuxCollectOptions): CollectResult {
  const { tables, records, unix } = plan(options);
  const buffer = { bytes: Buffer.allocUnsafe(CHUNK) };
  let found = 0;
  for (const { path, parser } of tables) if (readLineChunks(path, buffer, (b, length) => parser.push(b, length))) found++;
  const problems: Problem[] = [];
  if (unix !== undefined && readUnix(unix, records, problems)) found++;
  return finish(options, tables, records, found, problems);
}

/**
 * The same result, the tables read by a thread of their own (read-ahead.ts) while this one
 * parses: at 100k sockets the kernel prints the rows on the other core while those already
 * read are parsed here, in the usual order. (One reader thread for all tables: two, one a
 * table, measured no faster, the kernel's two walks of the socket hash competing.)
 */
export async function readTablesAhead(options: LinuxCollectOptions): Promise<CollectResult> {
  const { tables, records, unix } = plan(options);
  const paths = tables.map((t) => t.path);
  // Begun before the CLI loaded (src/early-read.ts) if the run said so for sure.
  const reads = takeEarlyReads(paths) ?? readAhead(paths, { pace: options.pace });
  let found = 0;
  try {
    for (const [i, read] of reads.entries()) {
      const { parser } = tables[i]!;
      for (let piece = await read.next(); piece; piece = await read.next()) {
        parser.push(piece.bytes, piece.length);
        const behind = options.pace?.();
        if (behind) await behind;
      }
      if (read.found) found++;
    }
  } finally {
    for (const read of reads) read.stop(); // after a failure the thread may wait for a slot, or a file be left open
  }
  const problems: Problem[] = [];
  if (unix !== undefined && readUnix(unix, records, problems)) found++;
  return finish(options, tables, records, found, problems);
}

function finish(options: LinuxCollectOptions, tables: ReadonlyArray<{ parser: ProcNetParser }>, records: SocketRecord[], found: number, problems: Problem[]): CollectResult {
  // IPv6 may be off, but tcp and udp exist wherever /proc is mounted: none at all means no
  // /proc (a bare container, a chroot), and an empty list would be a lie.
  if (found === 0) {
    const dir = options.netRoot ?? join(options.procRoot ?? "/proc", "net");
    throw new TcpstatError(
      `no socket tables in ${dir} (is /proc mounted?)`,
      "mount proc, run `ss -tuan` or `--source linux-ss`, or replay a capture with --input FILE",
    );
  }
  for (const { parser } of tables) for (const p of parser.problems) problems.push(p);
  return { records, problems, notices: [] };
}
