// Turns the timings of bench/inner.mjs into Markdown tables and the target checks of issue 5.
import { spawnSync } from "node:child_process";
import { cpus, release, totalmem } from "node:os";

const median = (xs) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const max = (xs) => (xs.length === 0 ? NaN : Math.max(...xs));
const fmtMs = (ms) => (Number.isNaN(ms) ? "-" : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const fmtMb = (kb) => (Number.isNaN(kb) ? "-" : `${(kb / 1024).toFixed(0)} MB`);
const fmtX = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "-");

function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return `${r.stdout ?? ""}${r.stderr ?? ""}`.split("\n").find((l) => l.trim() !== "")?.trim() ?? "not installed";
}

/** The machine, as BENCHMARKS.md records it. */
export function describeMachine() {
  const cpu = cpus();
  return [
    `- CPU: ${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown"}`,
    `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Kernel: Linux ${release()}`,
    `- Node: ${process.version}`,
    `- ss: ${firstLine("ss", ["-V"])}`,
    `- netstat: ${firstLine("netstat", ["--version"])}`,
  ].join("\n");
}

const medianMs = (size, name) => median(size.results[name]?.ms ?? []);

/** One Markdown table per size: median wall time, peak RSS, ratios against ss and netstat. */
export function renderSize(size) {
  const lines = [
    `### ${size.conns.toLocaleString("en-US")} connections: ${size.sockets.toLocaleString("en-US")} TCP sockets, ${size.processes} load process(es)`,
    "",
    "| command | median | min | peak RSS | × ss | × netstat |",
    "|---|--:|--:|--:|--:|--:|",
  ];
  for (const [name, r] of Object.entries(size.results)) {
    // Commands that name owners are compared with the -p variants, the others without.
    const ss = medianMs(size, r.owners ? "ss -tanp" : "ss -tan");
    const netstat = medianMs(size, r.owners ? "netstat -tanp" : "netstat -tan");
    const m = median(r.ms);
    const tag = r.owners ? " (owners)" : "";
    lines.push(
      `| ${name}${tag} | ${fmtMs(m)} | ${fmtMs(Math.min(...r.ms))} | ${fmtMb(max(r.rssKb))} | ${fmtX(m / ss)} | ${fmtX(m / netstat)} |`,
    );
  }
  const errors = Object.entries(size.results).flatMap(([name, r]) => r.errors.map((e) => `- ${name}: ${e}`));
  if (errors.length > 0) lines.push("", "Failed runs:", ...new Set(errors));
  lines.push("", "× ss / × netstat: median over the median of `ss -tanp` / `netstat -tanp` for commands that show owners, of `ss -tan` / `netstat -tan` for the others.");
  return lines.join("\n");
}

/** The targets of issues 5 and 18; each needs one size of the run. */
function targets() {
  const ratio = (name, base, limit) => (s) => ({ value: medianMs(s, name) / medianMs(s, base), limit, shown: fmtX });
  const list = [];
  for (const name of ["tcpstat -t --json", "tcpstat -t"]) {
    list.push({ conns: 50_000, label: `100k sockets: \`${name}\` ≤ 0.45× \`ss -tanp\``, check: ratio(name, "ss -tanp", 0.45) });
    list.push({ conns: 50_000, label: `100k sockets: \`${name}\` ≤ 0.55× \`netstat -tanp\``, check: ratio(name, "netstat -tanp", 0.55) });
    list.push({ conns: 100_000, label: `200k sockets: \`${name}\` ≤ 0.15× \`ss -tanp\``, check: ratio(name, "ss -tanp", 0.15) });
  }
  for (const name of ["tcpstat summary", "tcpstat -t --no-owners", "tcpstat -t --json --no-owners"]) {
    list.push({ conns: 50_000, label: `100k sockets, no owners: \`${name}\` ≤ 1.0× \`netstat -tan\``, check: ratio(name, "netstat -tan", 1.0) });
    list.push({ conns: 50_000, label: `100k sockets, no owners: \`${name}\` ≤ 1.8× \`ss -tan\``, check: ratio(name, "ss -tan", 1.8) });
  }
  list.push({
    conns: 50_000,
    label: "100k sockets: peak RSS ≤ 120 MB in every format (`tcpstat -t` table, --json, --ndjson, with and without owners; `summary`)",
    check: (s) => {
      const worst = Object.entries(s.results)
        .filter(([name]) => name.startsWith("tcpstat -t") || name === "tcpstat summary")
        .map(([name, r]) => ({ name, kb: max(r.rssKb) }))
        .sort((a, b) => b.kb - a.kb)[0];
      return { value: worst ? worst.kb / 1024 : NaN, limit: 120, shown: (v) => `${v.toFixed(1)} MB (${worst?.name})` };
    },
  });
  // Issue 18: -i at 100k sockets.
  list.push({ conns: 50_000, label: "100k sockets: `tcpstat -i --no-owners` ≤ 1.3× `ss -tinOH`", check: ratio("tcpstat -i --no-owners", "ss -tinOH", 1.3) });
  list.push({ conns: 50_000, label: "100k sockets: `tcpstat -i` ≤ 0.5× `ss -tinOHp`", check: ratio("tcpstat -i", "ss -tinOHp", 0.5) });
  list.push({
    conns: 50_000,
    label: "100k sockets: a filter expression costs ≤ 10 % (`tcpstat -i --no-owners FILTER` over `tcpstat -i --no-owners`; FILTER in bench/suite.mjs)",
    check: (s) => ({ value: medianMs(s, "tcpstat -i --no-owners FILTER") / medianMs(s, "tcpstat -i --no-owners") - 1, limit: 0.1, shown: (v) => `${v >= 0 ? "+" : ""}${(v * 100).toFixed(1)} %` }),
  });
  list.push({
    conns: 50_000,
    label: "100k sockets: peak RSS ≤ 200 MB with -i (`tcpstat -i`, --json, --no-owners, a filter)",
    check: (s) => {
      const worst = Object.entries(s.results)
        .filter(([name]) => name.startsWith("tcpstat -i"))
        .map(([name, r]) => ({ name, kb: max(r.rssKb) }))
        .sort((a, b) => b.kb - a.kb)[0];
      return { value: worst ? worst.kb / 1024 : NaN, limit: 200, shown: (v) => `${v.toFixed(1)} MB (${worst?.name})` };
    },
  });
  list.push({ conns: 1_000, label: "`tcpstat --version` ≤ 1.3× `node -e 0`", check: ratio("tcpstat --version", "node -e 0", 1.3) });
  list.push({
    conns: 500,
    label: "1k sockets (N = 500): full listing `tcpstat -t` within 25 ms of `node -e 0` (the floor: `node floor reader`)",
    check: (s) => {
      const over = (name) => medianMs(s, name) - medianMs(s, "node -e 0");
      // The kernel's part of any listing: printing the tables, over starting a program.
      const tables = medianMs(s, "cat /proc/net/tcp{,6}") - medianMs(s, "true");
      return { value: over("tcpstat -t"), limit: 25, shown: (v) => `+${v.toFixed(0)} ms (floor +${over("node floor reader").toFixed(0)} ms; the tables alone: \`cat\` +${tables.toFixed(0)} ms over \`true\`)` };
    },
  });
  return list;
}

/**
 * The target table; a target whose size was not run says so, and so does one whose commands
 * --only left out (`only`: its expression; without it, a command missing from a size fails its target).
 */
export function renderTargets(sizes, only) {
  const lines = ["| target | measured | result |", "|---|--:|:-:|"];
  let failed = 0;
  for (const t of targets()) {
    const size = sizes.find((s) => s.conns === t.conns);
    if (!size) {
      lines.push(`| ${t.label} | not run (needs --sizes ${t.conns}) | - |`);
      continue;
    }
    const { value, limit, shown } = t.check(size);
    if (only && !Number.isFinite(value)) {
      lines.push(`| ${t.label} | not run (its commands are left out by --only) | - |`);
      continue;
    }
    const ok = Number.isFinite(value) && value <= limit;
    if (!ok) failed++;
    lines.push(`| ${t.label} | ${Number.isFinite(value) ? shown(value) : "missing"} | ${ok ? "pass" : "**FAIL**"} |`);
  }
  return { text: lines.join("\n"), failed };
}
