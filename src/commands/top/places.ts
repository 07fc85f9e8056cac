import { inNetns, type ExecRunner, type LineRunner } from "../../lib/exec.js";
import type { NetnsTag, SocketRecord, TcpInfo } from "../../model/socket.js";
import { netnsFile, netnsOfPid } from "../../sources/linux-procfs/netns.js";
import type { InfoReading } from "./rates.js";

/**
 * Where ss must run for a connection: tcp_info and SOCK_DESTROY answer only for the network
 * namespace ss runs in, and `--container` reads every namespace (a container on a bridge
 * network has one of its own). A connection of top's own namespace is asked here; one of
 * another namespace inside it (`nsenter --net`, lib/exec.ts's inNetns).
 *
 *   places.runners(record)   // undefined: here; { exec, lines }: inside its namespace; null: it is gone
 */
export class Places {
  private readonly own: number | null;
  /** Namespace inode -> the file entered last time (checked again before each use). */
  private readonly files = new Map<number, string>();

  constructor(private readonly procRoot = "/proc") {
    this.own = netnsOfPid(procRoot, "self");
  }

  /** Whether the socket is in top's own namespace (no tag: read without --netns, so it is). */
  here(netns: NetnsTag | undefined): boolean {
    return netns === undefined || netns.inode === this.own;
  }

  /** How to run a command where this namespace's sockets are: undefined here, null when no process or file enters it any more. */
  runners(netns: NetnsTag | undefined): { exec: ExecRunner; lines: LineRunner } | undefined | null {
    if (this.here(netns)) return undefined;
    const tag = netns!;
    let file = this.files.get(tag.inode);
    // A /proc/PID/ns/net link read again: its process may have ended (and its pid been reused).
    const pid = file === undefined ? null : /^\/.*\/(\d+)\/ns\/net$/.exec(file)?.[1];
    if (file === undefined || (pid != null && netnsOfPid(this.procRoot, Number(pid)) !== tag.inode)) {
      const found = netnsFile(tag, this.procRoot);
      if (found === null) return null;
      this.files.set(tag.inode, (file = found));
    }
    return inNetns(file);
  }

  /** The namespaces other than top's own that these records are in, each once. */
  others(records: readonly SocketRecord[]): NetnsTag[] {
    const seen = new Map<number, NetnsTag>();
    for (const r of records) if (r.netns !== undefined && r.netns.inode !== this.own && !seen.has(r.netns.inode)) seen.set(r.netns.inode, r.netns);
    return [...seen.values()];
  }
}

/** Readings of tcp_info from several namespaces as one (socket inodes are unique host-wide). */
export function joinReadings(readings: readonly InfoReading[]): InfoReading {
  if (readings.length === 1) return readings[0]!;
  return {
    get: (inode: number): TcpInfo | undefined => {
      for (const r of readings) {
        const info = r.get(inode);
        if (info !== undefined) return info;
      }
      return undefined;
    },
    *inodes() {
      for (const r of readings) yield* r.inodes();
    },
    bytes: (inode: number, into: Float64Array) => readings.some((r) => (r.bytes ? r.bytes(inode, into) : bytesOf(r.get(inode), into))),
    // RateBook sizes its rows from it.
    size: readings.reduce((n, r) => n + ((r as { size?: number }).size ?? 0), 0),
  } as InfoReading;
}

/** bytes_acked and bytes_received of a tcp_info into `into`; false when it has not both. */
function bytesOf(info: TcpInfo | undefined, into: Float64Array): boolean {
  if (!info || info.bytesAcked === null || info.bytesReceived === null) return false;
  into[0] = info.bytesAcked;
  into[1] = info.bytesReceived;
  return true;
}
