import { readFile } from "node:fs/promises";
import { execLines, exec as realExec, systemTool, type ExecRunner, type LineRunner } from "../../lib/exec.js";
import type { Problem, SkMem, TcpInfo } from "../../model/socket.js";
import { parseProcTcpInfo } from "../linux-procfs/parse-proc-tcp-info.js";
import { SsInfoStore, type InfoFields } from "./parse-ss-info.js";
import { SS_INFO_ARGS } from "./ss-info-args.js";

/**
 * tcp_info for -i/--info: it comes only over netlink (INET_DIAG_INFO), which Node cannot open,
 * so iproute2's ss is run once (fixed argv, time limit, output cap) and its lines are joined to
 * the records by inode. ss is taken from the system's directories by absolute path, never from
 * PATH (exec's systemTool). Without it, /proc/net/tcp's few fields stand in, and a notice says so once.
 */

export { SS_INFO_ARGS } from "./ss-info-args.js";

export interface TcpInfoResult {
  /** tcp_info by inode: a Map, or ss's compact store (objects made on get). */
  byInode: { get(inode: number): TcpInfo | undefined };
  notices: string[];
  problems: Problem[];
}

/** Whether the system has ss where exec takes it from. */
export function hasSs(): boolean {
  try {
    systemTool("ss");
    return true;
  } catch {
    return false;
  }
}

/**
 * `expected`: about how many sockets ss will list, when the caller knows (the store is made that
 * big at once). `fields`: what the store keeps (InfoFields); with "bytes", ss is required.
 */
export async function collectTcpInfo(o: { lines?: LineRunner; procRoot?: string; expected?: number; fields?: InfoFields } = {}): Promise<TcpInfoResult> {
  if (hasSs()) {
    // Read as ss writes it, each line into the compact store: ss's whole text is never held.
    const store = new SsInfoStore(`ss ${SS_INFO_ARGS.join(" ")}`, o.expected, o.fields);
    await (o.lines ?? execLines)("ss", SS_INFO_ARGS, (line) => store.line(line), { timeoutMs: 60_000, maxBytes: 512 * 1024 * 1024 });
    return { byInode: store, notices: [], problems: store.problems };
  }
  const root = o.procRoot ?? "/proc";
  const byInode = new Map<number, TcpInfo>();
  for (const table of ["tcp", "tcp6"]) {
    const text = await readFile(`${root}/net/${table}`, "utf8").catch(() => "");
    for (const [inode, info] of parseProcTcpInfo(text)) byInode.set(inode, info);
  }
  return {
    byInode,
    notices: ["ss (iproute2) was not found: -i shows only what /proc/net/tcp carries (rto, ato, cwnd, ssthresh, retransmits); install iproute2 for the rest"],
    problems: [],
  };
}

/**
 * -e's socket cookies and -m's socket memory, from one `ss -tuaneHO` (`-tuanemHO` with -m), by inode:
 *
 *   tcp ESTAB 0 0 127.0.0.1:43428 127.0.0.1:5000 ino:1224311 sk:82d cgroup:/ <-> skmem:(r0,rb131072,t0,tb2626560,f0,w0,o0,bl0,d0)
 *   -> 1224311: cookie "82d", memory { rmemAlloc 0, rcvBuf 131072, ... }
 */
export async function collectSsExtras(o: { memory: boolean; exec?: ExecRunner }): Promise<{ cookies: Map<number, string>; memory: Map<number, SkMem>; notices: string[] }> {
  const cookies = new Map<number, string>();
  const memory = new Map<number, SkMem>();
  if (!hasSs()) return { cookies, memory, notices: [`ss (iproute2) was not found: ${o.memory ? "-m's socket memory and " : ""}the socket cookie need it`] };
  const out = (await (o.exec ?? realExec)("ss", [o.memory ? "-tuanemHO" : "-tuaneHO"], { timeoutMs: 60_000, maxBytes: 512 * 1024 * 1024 })).toString("utf8");
  for (const line of out.split("\n")) {
    const ino = / ino:(\d+)/.exec(line);
    if (!ino || ino[1] === "0") continue;
    const inode = Number(ino[1]);
    const sk = / sk:([0-9a-f]+)/.exec(line);
    if (sk) cookies.set(inode, sk[1]!);
    const m = /skmem:\(r(\d+),rb(\d+),t(\d+),tb(\d+),f(\d+),w(\d+),o(\d+),bl(\d+),d(\d+)\)/.exec(line);
    if (m) {
      const [rmemAlloc, rcvBuf, wmemAlloc, sndBuf, fwdAlloc, wmemQueued, optMem, backlog, drops] = m.slice(1).map(Number) as number[];
      memory.set(inode, { rmemAlloc: rmemAlloc!, rcvBuf: rcvBuf!, wmemAlloc: wmemAlloc!, sndBuf: sndBuf!, fwdAlloc: fwdAlloc!, wmemQueued: wmemQueued!, optMem: optMem!, backlog: backlog!, drops: drops! });
    }
  }
  return { cookies, memory, notices: [] };
}
