import { GAUGES, KNOWN_COUNTERS, counterGroup } from "./counters.js";
import type { CounterEntry, Stats } from "../model/report.js";
import type { CounterReading } from "../model/counters.js";

/**
 * Turns one or two counter readings into `tcpstat stats` output: the curated counters
 * (or all with `all`), each with its value and, given a second reading, its rate per second.
 *
 *   buildStats({ TcpActiveOpens: 100 } at t, { TcpActiveOpens: 130 } at t+2s)
 *   -> [{ name: "TcpActiveOpens", value: 130, perSecond: 15, ... }]
 */
export function buildStats(first: CounterReading, second: CounterReading | null, options: { all: boolean }): Stats {
  const latest = second ?? first;
  const seconds = second ? (second.readAt - first.readAt) / 1000 : null;
  const rate = (name: string): number | null => {
    if (seconds === null || seconds <= 0 || GAUGES.has(name)) return null;
    const before = first.counters[name];
    const after = second?.counters[name];
    if (before === undefined || after === undefined) return null;
    return Math.round(((after - before) / seconds) * 100) / 100;
  };
  const entries: CounterEntry[] = [];
  const known = new Map(KNOWN_COUNTERS.map((k) => [k.name, k]));
  if (options.all) {
    for (const [name, value] of Object.entries(latest.counters)) {
      const info = known.get(name);
      entries.push({ name, label: info?.label ?? name, group: counterGroup(name), value, perSecond: rate(name) });
    }
  } else {
    for (const info of KNOWN_COUNTERS) {
      const value = latest.counters[info.name];
      if (value === undefined) continue; // not on this kernel
      entries.push({ name: info.name, label: info.label, group: info.group, value, perSecond: rate(info.name) });
    }
  }
  return {
    time: new Date(latest.readAt).toISOString(),
    intervalSeconds: seconds === null ? null : Math.round(seconds * 1000) / 1000,
    counters: entries,
    problems: latest.problems.length,
  };
}
