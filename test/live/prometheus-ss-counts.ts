import type { Netns } from "../helpers/netns.js";
import { ssLines } from "./reference-tools.js";
import { SS_STATES } from "./reference-tools.js";

/**
 * Socket counts by "proto/family/state" as ss reports them, one ss run per protocol and family
 * (`ss -Htan -4`: with one protocol, the first column is the state). The state words are
 * ss(8)'s (`filter` is an ss filter expression, e.g. sport >= :11000), mapped by hand onto the labels tcpstat's metrics use; UDP keeps ss's UNCONN.
 */
const TCP = SS_STATES;
const UDP: Record<string, string> = { UNCONN: "UNCONN", ESTAB: "ESTABLISHED" };

export function ssCounts(ns: Netns, filter: readonly string[] = []): Map<string, number> {
  const counts = new Map<string, number>();
  for (const proto of ["tcp", "udp"] as const)
    for (const family of ["ipv4", "ipv6"] as const) {
      for (const line of ssLines(ns, ["-Hna", proto === "tcp" ? "-t" : "-u", family === "ipv4" ? "-4" : "-6", ...filter])) {
        const word = line.split(/\s+/)[0]!;
        const state = (proto === "tcp" ? TCP : UDP)[word];
        if (!state) throw new Error(`unknown ss state '${word}' in: ${line}`);
        const key = `${proto}/${family}/${state}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
  return counts;
}

export const sameCounts = (a: Map<string, number>, b: Map<string, number>) =>
  a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

/** /proc/net/snmp's Tcp group inside the namespace, read with cat (not tcpstat). */
export function tcpSnmp(ns: Netns): Record<string, number> {
  const text = ns.run("cat", ["/proc/net/snmp"]).stdout;
  const [names, values] = text.split("\n").filter((l) => l.startsWith("Tcp:"));
  const keys = names!.split(/\s+/).slice(1);
  const nums = values!.split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(keys.map((k, i) => [k, nums[i]!]));
}
