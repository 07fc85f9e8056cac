import { exec as realExec, type ExecRunner } from "../../lib/exec.js";
import { exposureOf, isListener, parseV6only } from "../../lib/exposure.js";
import type { SocketRecord } from "../../model/socket.js";

/**
 * Gives each listener its exposure. A `::` listener's IPV6_V6ONLY is read from `ss -tulnHe`
 * (once a run, and only when such a listener exists; in a named namespace with `ss -N NAME`):
 * the kernel reports it over sock_diag only. When ss cannot tell, the listener counts as `all`
 * and one notice says so.
 */
export async function addExposure(records: SocketRecord[], notices: string[], exec: ExecRunner = realExec): Promise<void> {
  const wild = records.filter((r) => r.localAddress === "::" && isListener(r) && r.inode !== null);
  const byNs = new Map<string | undefined, Map<number, boolean> | null>();
  for (const r of wild) {
    const ns = r.netns ? (r.netns.name ?? null) : undefined;
    if (ns === null || byNs.has(ns)) continue;
    const args = [...(ns === undefined ? [] : ["-N", ns]), "-tulnHe"];
    try {
      byNs.set(ns, parseV6only((await exec("ss", args, { timeoutMs: 5000 })).toString("utf8")));
    } catch (error) {
      byNs.set(ns, null);
      notices.push(`v6only of [::] listeners unknown (${(error as Error).message}): they count as exposure "all"`);
    }
  }
  for (const r of records) {
    if (!isListener(r)) continue;
    const ns = r.netns ? (r.netns.name ?? undefined) : undefined;
    const v6only = r.localAddress === "::" && r.inode !== null ? byNs.get(ns)?.get(r.inode) : undefined;
    r.exposure = exposureOf(r.localAddress, v6only);
  }
}
