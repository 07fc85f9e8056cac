import { TcpstatError } from "../errors.js";
import type { Family, Problem, Proto, SocketRecord } from "../model/socket.js";
import { collectLinux } from "./linux-procfs/collect.js";

export interface CollectOptions {
  protos: readonly Proto[];
  families: readonly Family[];
  owners: boolean;
  /** Force a source by name instead of the platform's default. */
  source?: string;
  procRoot?: string;
  /** -N, --netns: NAME, PID, PATH or "all" (sources with `namespaces` only). */
  netns?: string;
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
    description: "Linux /proc/net/{tcp,tcp6,udp,udp6} and /proc/<pid>/fd",
    namespaces: true,
    collect: async (o) =>
      o.netns === undefined
        ? collectLinux({ protos: o.protos, families: o.families, owners: o.owners, procRoot: o.procRoot })
        : (await import("./linux-procfs/netns.js")).collectNetns(o.netns, o),
  },
};

/** The one place that looks at the platform: the source chain for this system. */
export function defaultSourceChain(platform: NodeJS.Platform = process.platform): string[] {
  switch (platform) {
    case "linux":
    case "android":
      return ["procfs"];
    default:
      return [];
  }
}

export async function collectSockets(options: CollectOptions): Promise<Collected> {
  const names = options.source ? [options.source] : defaultSourceChain();
  const name = names[0];
  const source = name === undefined ? undefined : SOURCES[name];
  if (!source) {
    if (options.source)
      throw new TcpstatError(`unknown source '${options.source}'`, `choose one of: ${Object.keys(SOURCES).join(", ")}`, 2);
    throw new TcpstatError(
      `no socket source for platform '${process.platform}'`,
      `replay a capture with --input FILE, or choose --source from: ${Object.keys(SOURCES).join(", ")}`,
    );
  }
  if (options.netns !== undefined && !source.namespaces)
    throw new TcpstatError(`--netns needs a source that reads network namespaces; '${source.name}' does not`, "use --source procfs on Linux", 2);
  const result = await source.collect(options);
  return { source: source.name, ...result };
}
