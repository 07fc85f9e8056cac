import { exec as realExec, inNetns, type ExecRunner } from "../../lib/exec.js";
import { TcpstatError } from "../../errors.js";
import { parseSs } from "../linux-ss/parse-ss.js";
import type { NetSysctls } from "../../model/counters.js";
import { NET_SYSCTL_FILES, readNetSysctls } from "./read-counters.js";

/**
 * What doctor reads in the network namespace it inspects, beside its sockets: listen backlogs
 * (netlink, through ss: /proc/net/tcp prints 0 as a listener's Send-Q) and the net sysctls
 * (somaxconn, tcp_fin_timeout, ...), which are per namespace: /proc/sys/net shows the values of
 * the namespace of whoever opens it. In another namespace both are read by a command run inside
 * it through `nsenter --net=FILE` (root).
 *
 *   nsFile null                 -> ss -tlnH; /proc/sys/net/... read here
 *   nsFile /proc/4242/ns/net    -> nsenter --net=/proc/4242/ns/net ss -tlnH; ... grep -H . /proc/sys/net/...
 */

/** `run`, or the same inside the namespace of nsFile (lib/exec.ts inNetns: tools by absolute path). */
const inside = (nsFile: string | null, run: ExecRunner): ExecRunner => (nsFile === null ? run : inNetns(nsFile, { exec: run }).exec);

/** Backlogs of the listeners by "address|port" (as diagnose's backlogKey), read with ss. */
export async function readBacklogs(nsFile: string | null, key: (address: string, port: number) => string, run: ExecRunner = realExec): Promise<Map<string, number>> {
  const out = await inside(nsFile, run)("ss", ["-tlnH"]);
  const map = new Map<string, number>();
  for (const r of parseSs(out.toString("utf8"), { source: "ss -tlnH" }).records)
    if (r.state === "LISTEN" && r.sendQ !== null) map.set(key(r.localAddress, r.localPort), r.sendQ);
  return map;
}

/** The net sysctls of the namespace: read here, or by `grep -H . FILES` run inside it ("path:value" lines). */
export async function readSysctlsIn(nsFile: string | null, run: ExecRunner = realExec): Promise<NetSysctls> {
  if (nsFile === null) return readNetSysctls();
  // grep exits 2 when a file is missing (an older kernel): what it read still counts.
  const out = await inside(nsFile, run)("grep", ["-H", ".", ...NET_SYSCTL_FILES], { okExitCodes: [0, 1, 2] });
  const values = new Map<string, string>();
  for (const line of out.toString("utf8").split("\n")) {
    const at = line.indexOf(":");
    if (at > 0) values.set(line.slice(0, at), line.slice(at + 1));
  }
  if (values.size === 0) throw new TcpstatError(`no sysctl could be read inside the namespace (${nsFile})`);
  return readNetSysctls("/proc", (path) => values.get(path) ?? null);
}
