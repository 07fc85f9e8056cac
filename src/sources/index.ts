import { TcpstatError } from "../errors.js";
import type { Family, Problem, Proto, SocketRecord } from "../model/socket.js";
import { collectLinuxOverlapped } from "./linux-procfs/collect.js";
import type { RecordSinks } from "./record-sinks.js";

export interface CollectOptions extends RecordSinks {
  protos: readonly Proto[];
  families: readonly Family[];
  owners: boolean;
  /** Force a source by name instead of the platform's default. */
  source?: string;
  procRoot?: string;
  /** -N, --netns: NAME, PID, PATH or "all" (sources with `namespaces` only). */
  netns?: string;
  /** --netns-limit: most namespaces `-N all` reads. */
  netnsLimit?: number;
  /** Pids found holding a listed socket, as the owner scan finds them (--who reads them meanwhile). */
  onHolders?: (pids: Int32Array) => ReadonlyArray<string | null> | void;
}

export interface Collected {
  source: string;
  records: SocketRecord[];
  problems: Problem[];
  notices: string[];
}

export interface Source {
  name: string;
  description: string;
  /** Reads other network namespaces (--netns). */
  namespaces?: boolean;
  collect(options: CollectOptions): Promise<Omit<Collected, "source">>;
}

export const SOURCES: Readonly<Record<string, Source>> = {
  procfs: {
    name: "procfs",
    description: "Linux /proc/net/{tcp,tcp6,udp,udp6} (raw, raw6, unix with -w, -x) and /proc/<pid>/fd",
    namespaces: true,
    collect: async (o) => {
      if (o.netns !== undefined) return (await import("./linux-procfs/netns.js")).collectNetns(o.netns, o);
      if (!o.protos.includes("unix")) return collectLinuxOverlapped(o);
      // -x/--unix: ss (peers, queues) runs while /proc is read; the socketpairs of its stdio are tcpstat's own, left out.
      const [{ collectUnixPeers, applyUnixPeers }, { ownSocketInodes }] = await Promise.all([import("./linux-ss/unix-peers.js"), import("./linux-procfs/own-sockets.js")]);
      const before = ownSocketInodes();
      const running = collectUnixPeers();
      const mine = [...ownSocketInodes()].filter((inode) => !before.has(inode));
      const [peers, result] = await Promise.all([running, collectLinuxOverlapped(o)]);
      const own = ownPairs(mine, peers.byInode);
      if (own.size > 0) result.records = result.records.filter((r) => r.proto !== "unix" || !own.has(r.inode!));
      applyUnixPeers(result.records, peers);
      return { ...result, notices: [...result.notices, ...peers.notices], problems: [...result.problems, ...peers.problems] };
    },
  },
  // Command-running sources load their module only when used (start-up stays lazy).
  "linux-ss": {
    name: "linux-ss",
    description: "Linux ss -tuanpe (iproute2)",
    collect: async (o) => (await import("./linux-ss/collect.js")).collectSs(o),
  },
  "linux-netstat": {
    name: "linux-netstat",
    description: "Linux netstat -tuanpe (net-tools)",
    collect: async (o) => (await import("./linux-netstat/collect.js")).collectLinuxNetstat(o),
  },
  "macos-netstat": {
    name: "macos-netstat",
    description: "macOS netstat -anv -p tcp|udp, with lsof -F for owners netstat does not name",
    collect: async (o) => (await import("./macos-netstat/collect.js")).collectMacos(o),
  },
  freebsd: {
    name: "freebsd",
    description: "FreeBSD netstat -an with sockstat -46 for owners",
    collect: async (o) => (await import("./freebsd/collect.js")).collectFreebsd(o),
  },
  lsof: {
    name: "lsof",
    description: "lsof -nP -iTCP -iUDP -F pcnPtTf (any Unix with lsof)",
    collect: async (o) => (await import("./lsof/collect.js")).collectLsof(o),
  },
  "windows-netstat": {
    name: "windows-netstat",
    description: "Windows netstat -ano decoded in the console code page (chcp), tasklist for process names",
    collect: async (o) => (await import("./windows-netstat/collect.js")).collectWindowsNetstat(o),
  },
  powershell: {
    name: "powershell",
    description: "Windows PowerShell Get-NetTCPConnection/Get-NetUDPEndpoint as JSON: any language, creation times",
    collect: async (o) => (await import("./windows-powershell/collect.js")).collectPowershell(o),
  },
  systeminformation: {
    name: "systeminformation",
    description: "the systeminformation package's networkConnections() (fallback for other systems)",
    collect: async (o) => (await import("./systeminformation/collect.js")).collectSystemInformation(o),
  },
};

/** tcpstat's ends of ss's stdio socketpairs and the ends ss held (ss knows both: it read them while alive). */
function ownPairs(mine: readonly number[], byInode: ReadonlyMap<number, { peerInode: number }> | null): Set<number> {
  const own = new Set(mine);
  if (byInode === null) return own;
  for (const inode of mine) {
    const peer = byInode.get(inode)?.peerInode;
    if (peer) own.add(peer);
  }
  for (const [inode, { peerInode }] of byInode) if (mine.includes(peerInode)) own.add(inode);
  return own;
}

/** The one place that looks at the platform: the source chain for this system. */
export function defaultSourceChain(platform: NodeJS.Platform = process.platform): string[] {
  switch (platform) {
    case "linux":
    case "android":
      // ss asks the kernel over netlink: it still works where /proc is not mounted.
      return ["procfs", "linux-ss"];
    case "darwin":
      return ["macos-netstat", "lsof", "systeminformation"];
    case "freebsd":
      return ["freebsd", "lsof", "systeminformation"];
    case "openbsd":
    case "netbsd":
    case "sunos":
    case "aix":
      return ["lsof", "systeminformation"];
    case "win32":
      return ["windows-netstat", "powershell", "systeminformation"];
    default:
      return ["systeminformation"];
  }
}

/**
 * Collects from the forced source, or from the platform's chain: when a source fails with a
 * runtime error (a command missing or refused), the next one in the chain is tried and a
 * notice says so; when all fail, the first error is thrown.
 */
export async function collectSockets(options: CollectOptions): Promise<Collected> {
  const names = options.source ? [options.source] : defaultSourceChain();
  if (options.source && !SOURCES[options.source])
    throw new TcpstatError(`unknown source '${options.source}'`, `choose one of: ${Object.keys(SOURCES).join(", ")}`, 2);
  const chain = names.map((n) => SOURCES[n]).filter((s): s is Source => s !== undefined);
  if (chain.length === 0)
    throw new TcpstatError(
      `no socket source for platform '${process.platform}'`,
      `replay a capture with --input FILE, or choose --source from: ${Object.keys(SOURCES).join(", ")}`,
    );
  if (options.netns !== undefined && !chain[0]!.namespaces)
    throw new TcpstatError(`--netns needs a source that reads network namespaces; '${chain[0]!.name}' does not`, "use --source procfs on Linux", 2);
  // A namespace that cannot be read is an error: the next source (ss) would read this namespace instead.
  if (options.netns !== undefined) chain.splice(1);
  const failures: string[] = [];
  const errors: TcpstatError[] = [];
  for (const source of chain) {
    try {
      const result = await source.collect(options);
      if (options.onRecord) {
        for (const r of result.records) options.onRecord(r);
        result.records = [];
      }
      const notices = failures.length > 0 ? [`${failures.join("; ")}; used ${source.name}`, ...result.notices] : result.notices;
      return { source: source.name, ...result, notices };
    } catch (error) {
      if (!(error instanceof TcpstatError) || error.exitCode !== 1 || chain.length === 1) throw error;
      errors.push(error);
      failures.push(`source ${source.name} failed: ${error.message}`);
    }
  }
  // Every source failed: name each failure and each fix, so that the last resort's (no /proc,
  // and no ss either: "install iproute2") is not hidden behind the first one's.
  const hints = [...new Set(errors.map((e) => e.hint).filter((h): h is string => Boolean(h)))];
  throw new TcpstatError(failures.join("; "), hints.join("; or "));
}
