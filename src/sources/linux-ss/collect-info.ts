import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { exec as realExec, type ExecRunner } from "../../lib/exec.js";
import type { Problem, TcpInfo } from "../../model/socket.js";
import { parseProcTcpInfo } from "../linux-procfs/parse-proc-tcp-info.js";
import { parseSsInfo } from "./parse-ss-info.js";

/**
 * tcp_info for -i/--info: it comes only over netlink (INET_DIAG_INFO), which Node cannot open,
 * so iproute2's ss is run once (fixed argv, time limit, output cap) and its lines are joined to
 * the records by inode. ss is taken from the system's directories by absolute path, never from
 * PATH. Without it, /proc/net/tcp's few fields stand in, and a notice says so once.
 */

/** Where distributions install ss. */
export const SS_PATHS = ["/usr/sbin/ss", "/usr/bin/ss", "/sbin/ss", "/bin/ss"] as const;
export const SS_INFO_ARGS = ["-tainHOe"] as const;

export interface TcpInfoResult {
  byInode: Map<number, TcpInfo>;
  notices: string[];
  problems: Problem[];
}

function findSs(paths: readonly string[]): string | undefined {
  return paths.find((p) => {
    try {
      const st = statSync(p);
      return st.isFile() && (st.mode & 0o111) !== 0;
    } catch {
      return false;
    }
  });
}

export async function collectTcpInfo(o: { exec?: ExecRunner; procRoot?: string; ssPaths?: readonly string[] } = {}): Promise<TcpInfoResult> {
  const ss = findSs(o.ssPaths ?? SS_PATHS);
  if (ss !== undefined) {
    const out = await (o.exec ?? realExec)(ss, SS_INFO_ARGS, { timeoutMs: 60_000, maxBytes: 512 * 1024 * 1024 });
    const { byInode, problems } = parseSsInfo(out.toString("utf8"), `ss ${SS_INFO_ARGS.join(" ")}`);
    return { byInode, notices: [], problems };
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

export const SS_COOKIE_ARGS = ["-tuaneH"] as const;

/**
 * -e's socket cookies (`sk:82d` in `ss -tuaneH`), by inode. Without ss: none, and a notice.
 *
 *   tcp ESTAB 0 0 127.0.0.1:43428 127.0.0.1:5000 ino:1224311 sk:82d cgroup:/ <->  ->  1224311 => "82d"
 */
export async function collectCookies(o: { exec?: ExecRunner; ssPaths?: readonly string[] } = {}): Promise<{ byInode: Map<number, string>; notices: string[] }> {
  const ss = findSs(o.ssPaths ?? SS_PATHS);
  const byInode = new Map<number, string>();
  if (ss === undefined)
    return { byInode, notices: ["ss (iproute2) was not found: -e shows uid and inode; the socket cookie (sk:) needs ss"] };
  const out = (await (o.exec ?? realExec)(ss, SS_COOKIE_ARGS, { timeoutMs: 60_000, maxBytes: 512 * 1024 * 1024 })).toString("utf8");
  for (const m of out.matchAll(/ ino:(\d+) sk:([0-9a-f]+)/g)) if (m[1] !== "0") byInode.set(Number(m[1]), m[2]!);
  return { byInode, notices: [] };
}
