import { readlinkSync } from "node:fs";
import { exec as realExec, inNetns, type ExecRunner } from "../../lib/exec.js";
import { exposureOf, isListener, parseV6only } from "../../lib/exposure.js";
import type { SocketRecord } from "../../model/socket.js";

/**
 * Gives each listener its exposure. A `::` listener's IPV6_V6ONLY is read from `ss -tulnHe`
 * (once a namespace, and only where such a listener exists): the kernel reports it over
 * sock_diag only. In another namespace ss runs inside it: `ss -N NAME` for a named one, else
 * `nsenter --net=/proc/PID/ns/net` through a holder of one of its sockets. When ss cannot tell,
 * the listener counts as `all` and one notice says so.
 */
export async function addExposure(records: SocketRecord[], notices: string[], exec: ExecRunner = realExec, procRoot = "/proc"): Promise<void> {
  const wild = records.filter((r) => r.localAddress === "::" && isListener(r) && r.inode !== null);
  // By namespace inode; "" for tcpstat's own.
  const byNs = new Map<string, Map<number, boolean> | null>();
  for (const r of wild) {
    const key = r.netns ? String(r.netns.inode) : "";
    if (byNs.has(key)) continue;
    const label = r.netns ? (r.netns.name ?? `net:[${r.netns.inode}]`) : null;
    const command = r.netns ? ssInside(r, records, procRoot, exec) : ({ run: exec, args: ["-tulnHe"] } as const);
    if (command === null) {
      byNs.set(key, null);
      notices.push(`v6only of [::] listeners in ${label} unknown (no process of that namespace could be entered): they count as exposure "all"`);
      continue;
    }
    try {
      byNs.set(key, parseV6only((await command.run("ss", [...command.args], { timeoutMs: 5000 })).toString("utf8")));
    } catch (error) {
      byNs.set(key, null);
      notices.push(`v6only of [::] listeners${label ? ` in ${label}` : ""} unknown (${(error as Error).message}): they count as exposure "all"`);
    }
  }
  for (const r of records) {
    if (!isListener(r)) continue;
    const v6only = r.localAddress === "::" && r.inode !== null ? byNs.get(r.netns ? String(r.netns.inode) : "")?.get(r.inode) : undefined;
    r.exposure = exposureOf(r.localAddress, v6only);
  }
}

/** ss run in r's namespace: by its name, else through a holder whose /proc/PID/ns/net is that namespace (lib/exec.ts inNetns). */
function ssInside(r: SocketRecord, records: readonly SocketRecord[], procRoot: string, exec: ExecRunner): { run: ExecRunner; args: readonly string[] } | null {
  const netns = r.netns!;
  if (netns.name !== null) return { run: exec, args: ["-N", netns.name, "-tulnHe"] };
  const link = `net:[${netns.inode}]`;
  for (const other of records) {
    if (other.netns?.inode !== netns.inode) continue;
    for (const o of other.owners ?? []) {
      try {
        if (readlinkSync(`${procRoot}/${o.pid}/ns/net`) === link) return { run: inNetns(`${procRoot}/${o.pid}/ns/net`, { exec }).exec, args: ["-tulnHe"] };
      } catch {
        // gone, or not ours to read: try another holder
      }
    }
  }
  return null;
}
