import { readFileSync } from "node:fs";
import { endianness } from "node:os";
import { join } from "node:path";
import { TcpstatError } from "../../errors.js";
import type { Family, Problem, Proto, SocketRecord } from "../../model/socket.js";
import { scanInodeOwners } from "./inode-owners.js";
import { parsePasswd } from "./parse-passwd.js";
import { parseProcNet } from "./parse-proc-net.js";

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

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, "latin1");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null; // e.g. IPv6 disabled
    throw error;
  }
}

export function collectLinux(options: LinuxCollectOptions): CollectResult {
  const { procRoot = "/proc", etcRoot = "/etc" } = options;
  const records: SocketRecord[] = [];
  const problems: Problem[] = [];
  const notices: string[] = [];
  const byteOrder = endianness();

  const netDir = options.netRoot ?? join(procRoot, "net");
  let tablesRead = 0;
  for (const table of TABLES) {
    if (!options.protos.includes(table.proto)) continue;
    const path = join(netDir, table.file);
    const text = readOptional(path);
    if (text === null) continue;
    tablesRead++;
    const parsed = parseProcNet(text, { proto: table.proto, byteOrder, source: path });
    // tcp6 also holds IPv4-mapped sockets: those stay family ipv6, like ss shows them.
    for (const r of parsed.records) if (options.families.includes(r.family)) records.push(r);
    problems.push(...parsed.problems);
  }

  // IPv6 may be off, but tcp and udp always exist where /proc is mounted: none at all means
  // no /proc (a bare container, a chroot), and an empty list would be a lie.
  if (tablesRead === 0)
    throw new TcpstatError(
      `no socket tables in ${netDir} (is /proc mounted?)`,
      "mount proc, run `ss -tuan` or `--source linux-ss`, or replay a capture with --input FILE",
    );

  const passwd = readOptional(join(etcRoot, "passwd"));
  const users = passwd === null ? new Map<number, string>() : parsePasswd(passwd);
  for (const r of records) if (r.uid !== null) r.user = users.get(r.uid) ?? null;

  if (options.owners) {
    const wanted = new Set<number>();
    for (const r of records) if (r.inode !== null) wanted.add(r.inode);
    const { owners, denied } = scanInodeOwners(procRoot, wanted);
    for (const r of records) {
      const owner = r.inode === null ? undefined : owners.get(r.inode);
      if (owner) {
        r.pid = owner.pid;
        r.process = owner.process;
      }
    }
    if (denied > 0 && owners.size < wanted.size) {
      notices.push(
        `not all processes could be identified: ${denied} process(es) hide their sockets from this user; run as root to see every owner.`,
      );
    }
  }
  return { records, problems, notices };
}
