import { exec as realExec, systemTool, type ExecRunner } from "../../lib/exec.js";
import type { Problem, SocketRecord } from "../../model/socket.js";
import { parseSsUnix, type SsUnixRow } from "./parse-ss-unix.js";

/**
 * -x/--unix: a unix socket's peer and queues come only over netlink (ss -xp), which Node cannot
 * open: ss is run once (fixed argv, time limit, output cap, taken by absolute path as exec does)
 * and joined to the /proc/net/unix records by inode; the peer's process is the holder of the
 * peer's inode among those records. Without ss, a notice says once what is missing.
 */

export const SS_UNIX_ARGS = ["-xanH"] as const;

export interface UnixPeers {
  byInode: Map<number, SsUnixRow> | null;
  notices: string[];
  problems: Problem[];
}

/** Starts ss at once (it runs while /proc is read); resolves to what it knew, or to a notice. */
export async function collectUnixPeers(o: { exec?: ExecRunner } = {}): Promise<UnixPeers> {
  if (o.exec === undefined) {
    try {
      systemTool("ss");
    } catch {
      return { byInode: null, problems: [], notices: ["ss (iproute2) was not found: unix sockets' peers and queues are unknown (null); install iproute2 for them"] };
    }
  }
  const out = await (o.exec ?? realExec)("ss", SS_UNIX_ARGS, { timeoutMs: 60_000, maxBytes: 512 * 1024 * 1024 });
  const { byInode, problems } = parseSsUnix(out.toString("utf8"), `ss ${SS_UNIX_ARGS.join(" ")}`);
  return { byInode, problems, notices: [] };
}

/** Gives each unix record its queues, peer inode and the peer's holder (records: every unix socket read, before any filter). */
export function applyUnixPeers(records: readonly SocketRecord[], peers: UnixPeers): void {
  if (peers.byInode === null) return;
  const byInode = new Map<number, SocketRecord>();
  for (const r of records) if (r.proto === "unix" && r.inode !== null) byInode.set(r.inode, r);
  for (const r of byInode.values()) {
    const known = peers.byInode.get(r.inode!);
    // A socket made after ss ran: left unknown (null), as ss would not know it either.
    if (!known || !r.unix) continue;
    r.recvQ = known.recvQ;
    r.sendQ = known.sendQ;
    r.unix.peerInode = known.peerInode;
    const peer = known.peerInode === 0 ? undefined : byInode.get(known.peerInode);
    r.unix.peerPid = peer?.pid ?? null;
    r.unix.peerProcess = peer?.pid == null ? null : peer.process;
  }
}
