import { join } from "node:path";
import { inNetns, type ExecRunner, type LineRunner } from "../../lib/exec.js";
import type { NetnsTag, SocketRecord, TcpInfo } from "../../model/socket.js";
import { discoverNamespaces, netnsOfPid } from "../../sources/linux-procfs/netns.js";
import { countersOf, type InfoReading } from "./rates.js";

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
  /** Namespace inode -> a file that enters it: its bind mount, else the link of a process inside (that pid). */
  private files = new Map<number, { file: string; pid: number | null }>();
  /** When /proc was last walked for them (performance.now()); a namespace not found waits for the next walk. */
  private looked = -Infinity;

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
    const inode = netns!.inode;
    let place = this.files.get(inode);
    // A process's link is read again: the process may have ended (and its pid been reused).
    if (place?.pid != null && netnsOfPid(this.procRoot, place.pid) !== inode) place = undefined;
    if (place === undefined && performance.now() - this.looked > LOOK_AGAIN_MS) {
      this.look();
      place = this.files.get(inode);
    }
    return place === undefined ? null : inNetns(place.file);
  }

  /** One walk of /proc for every namespace's file (a bind mount is the steadier file, as doctor prefers it). */
  private look(): void {
    this.looked = performance.now();
    this.files = new Map();
    for (const ns of discoverNamespaces({ procRoot: this.procRoot })) {
      if (ns.path !== null) this.files.set(ns.inode, { file: ns.path, pid: null });
      else if (ns.pids.length > 0) this.files.set(ns.inode, { file: join(this.procRoot, String(ns.pids[0]), "ns", "net"), pid: ns.pids[0]! });
    }
  }

  /** The namespaces other than top's own that these records are in, each once. */
  others(records: readonly SocketRecord[]): NetnsTag[] {
    const seen = new Map<number, NetnsTag>();
    for (const r of records) if (r.netns !== undefined && r.netns.inode !== this.own && !seen.has(r.netns.inode)) seen.set(r.netns.inode, r.netns);
    return [...seen.values()];
  }
}

/** At most this often /proc is walked again for a namespace it did not find. */
const LOOK_AGAIN_MS = 1000;

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
    bytes: (inode: number, into: Float64Array) => {
      for (const r of readings) if (countersOf(r, inode, into)) return true;
      return false;
    },
    size: readings.reduce((n, r) => n + (r.size ?? 0), 0),
  };
}
