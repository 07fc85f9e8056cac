import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { endianness } from "node:os";
import { join } from "node:path";
import type { Family, Problem, Proto, SocketRecord } from "../../model/socket.js";
import { netnsLink, scanInodeOwners } from "./inode-owners.js";
import { startOwnerScan } from "./owner-scan.js";
import { parsePasswd } from "./parse-passwd.js";
import { ProcNetParser } from "./parse-proc-net.js";

export interface LinuxCollectOptions {
  protos: readonly Proto[];
  families: readonly Family[];
  /** Resolve owning processes through /proc/<pid>/fd (costly on big machines). */
  owners: boolean;
  /** Seams for tests: where /proc and /etc live. */
  procRoot?: string;
  etcRoot?: string;
  /** Directory holding tcp, tcp6, udp, udp6: default <procRoot>/net; /proc/<pid>/net reads another namespace's tables. */
  netRoot?: string;
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
];

/** A file's bytes, or null when it does not exist (e.g. tcp6 with IPv6 disabled). */
function readOptional(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

const CHUNK = 1 << 18;
const LF = 0x0a;

/**
 * Feeds a file to the parser a chunk of whole lines at a time, through one buffer: /proc
 * tables of 100k sockets are 15 MB, which a whole-file read would allocate (and copy)
 * piece by piece. Returns false when the file does not exist (e.g. tcp6 with IPv6 disabled).
 */
function parseFile(path: string, parser: ProcNetParser, buffer: { bytes: Buffer }): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  try {
    let kept = 0; // the start of a line the last read cut short, moved to the front
    for (;;) {
      if (kept === buffer.bytes.length) buffer.bytes = Buffer.concat([buffer.bytes, Buffer.allocUnsafe(buffer.bytes.length)]);
      const b = buffer.bytes;
      const end = kept + readSync(fd, b, kept, b.length - kept, null);
      if (end === kept) {
        if (kept > 0) parser.push(b, kept); // a last line without its newline
        return true;
      }
      const lastLine = b.lastIndexOf(LF, end - 1);
      if (lastLine < 0) {
        kept = end;
        continue;
      }
      parser.push(b, lastLine + 1);
      b.copyWithin(0, lastLine + 1, end);
      kept = end - lastLine - 1;
    }
  } finally {
    closeSync(fd);
  }
}

/** The socket tables and the users owning the sockets: everything but the owning processes. */
function readTables(options: LinuxCollectOptions): CollectResult {
  const { procRoot = "/proc", etcRoot = "/etc" } = options;
  const records: SocketRecord[] = [];
  const problems: Problem[] = [];
  const byteOrder = endianness();
  const buffer = { bytes: Buffer.allocUnsafe(CHUNK) };

  for (const table of TABLES) {
    if (!options.protos.includes(table.proto)) continue;
    const path = join(options.netRoot ?? join(procRoot, "net"), table.file);
    const parsed = new ProcNetParser({ proto: table.proto, byteOrder, source: path });
    if (!parseFile(path, parsed, buffer)) continue;
    // tcp6 also holds IPv4-mapped sockets: those stay family ipv6, like ss shows them.
    for (const r of parsed.records) if (options.families.includes(r.family)) records.push(r);
    for (const p of parsed.problems) problems.push(p);
  }

  const passwd = readOptional(join(etcRoot, "passwd"));
  const users = passwd === null ? new Map<number, string>() : parsePasswd(passwd.toString("utf8"));
  for (const r of records) if (r.uid !== null) r.user = users.get(r.uid) ?? null;
  return { records, problems, notices: [] };
}

const inodesOf = (records: readonly SocketRecord[]) => {
  const inodes = new Set<number>();
  for (const r of records) if (r.inode !== null) inodes.add(r.inode);
  return inodes;
};

const notice = (denied: number) =>
  `not all processes could be identified: ${denied} process(es) hide their sockets from this user; run as root to see every owner.`;

/** Reads the tables, then (when asked) scans for owners, all in this thread. */
export function collectLinux(options: LinuxCollectOptions): CollectResult {
  const result = readTables(options);
  if (!options.owners) return result;
  const { procRoot = "/proc" } = options;
  const wanted = inodesOf(result.records);
  const { owners, denied } = scanInodeOwners(procRoot, wanted, netnsLink(procRoot, "self"));
  for (const r of result.records) {
    const owner = r.inode === null ? undefined : owners.get(r.inode);
    if (owner) {
      r.pid = owner.pid;
      r.process = owner.process;
    }
  }
  if (denied > 0 && owners.size < wanted.size) result.notices.push(notice(denied));
  return result;
}

/**
 * The live path of `tcpstat`: the same result as collectLinux, with the owner scan started
 * first in a worker thread so that it runs while this thread reads and parses the tables.
 */
export async function collectLinuxOverlapped(options: LinuxCollectOptions): Promise<CollectResult> {
  if (!options.owners) return readTables(options);
  const scan = startOwnerScan(options.procRoot ?? "/proc");
  const result = readTables(options);
  const sockets = result.records.filter((r) => r.inode !== null);
  const { pids, names, denied } = await scan.finish(Float64Array.from(sockets, (r) => r.inode!));
  let found = 0;
  sockets.forEach((r, i) => {
    if (pids[i] === 0) return;
    r.pid = pids[i]!;
    r.process = names.get(r.pid) ?? "";
    found++;
  });
  if (denied > 0 && found < sockets.length) result.notices.push(notice(denied));
  return result;
}
