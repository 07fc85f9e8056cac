import { spawnSync } from "node:child_process";

/**
 * Test helpers for Prometheus text: a reader of sample lines written apart from the
 * renderer, and promtool (Debian package prometheus; .ci/run installs it).
 *
 *   tcpstat_sockets{proto="tcp",family="ipv4",state="LISTEN"} 3
 *   -> { name: "tcpstat_sockets", labels: { proto: "tcp", family: "ipv4", state: "LISTEN" }, value: 3 }
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const unescape = (v: string) => v.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));

export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unreadable sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(LABEL)) labels[l[1]!] = unescape(l[2]!);
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Samples of one metric whose labels include `match`. */
export function select(samples: readonly Sample[], name: string, match: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

export const value = (samples: readonly Sample[], name: string, match: Record<string, string> = {}): number | undefined => {
  const found = select(samples, name, match);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(match)}`);
  return found[0]?.value;
};

export const PROMTOOL: string | null = (() => {
  const r = spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
})();

export const PROMTOOL_MISSING = "promtool not installed: apt-get install prometheus (.ci/run does)";

/** `promtool check metrics` on the text: exit status and what it said (lint problems included). */
export function promtoolCheck(text: string): { status: number | null; output: string } {
  const r = spawnSync(PROMTOOL ?? "promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}
