// The trace benchmark (BENCHMARKS.md, "trace"), as root:
//   node bench/trace.mjs [RATE=5000] [SECONDS=10]
// In a namespace of its own (deleted at the end), bench/trace-churn.py makes RATE connections
// a second for SECONDS (about 10 state changes each) while one tracer follows them:
//   tcpstat trace -N NS --ndjson, tcpstat trace -N NS (text lines), the text pipe reader
//   (bench/trace-text-reader.mjs), and perf record / trace-cmd record where installed.
// For each: changes seen against changes made, events lost, CPU used while the churn ran.
// Then how soon `tcpstat trace` prints: from its start to its first line, while a change
// happens every 5 ms (median of 5 runs). Everything it starts ends by itself.
import { spawn, spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const RATE = Number(process.argv[2] ?? 5000);
const SECONDS = Number(process.argv[3] ?? 10);
const BIN = fileURLToPath(new URL("../bin/tcpstat.cjs", import.meta.url));
const CHURN = fileURLToPath(new URL("./trace-churn.py", import.meta.url));
const TEXT_READER = fileURLToPath(new URL("./trace-text-reader.mjs", import.meta.url));
const NS = `tcpstat-bench-trace-${process.pid}`;
const STOP = `${tmpdir()}/tcpstat-bench-trace-${process.pid}.stop`;
const TICK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || 100);

if (process.getuid?.() !== 0) {
  console.log("bench/trace.mjs: not measured: tracing needs root");
  process.exit(0);
}
const sh = (cmd, args) => spawnSync(cmd, args, { encoding: "utf8" });
if (sh(process.execPath, [BIN, "trace", "--exact", "--duration", "50ms", "-q"]).status !== 0) {
  console.log(`bench/trace.mjs: not measured: tcpstat trace --exact fails here: ${sh(process.execPath, [BIN, "trace", "--exact", "--duration", "50ms"]).stderr.trim()}`);
  process.exit(0);
}
sh("ip", ["netns", "add", NS]);
process.on("exit", () => sh("ip", ["netns", "del", NS]));
sh("ip", ["-n", NS, "link", "set", "lo", "up"]);
sh("ip", ["netns", "exec", NS, "sh", "-c", "echo 1024 65535 > /proc/sys/net/ipv4/ip_local_port_range; echo 1 > /proc/sys/net/ipv4/tcp_tw_reuse"]);

const cpuSeconds = (pid) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return NaN;
  }
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs the churn in the namespace; resolves with its {connections, seconds, rate} once done. */
function churn(onStart) {
  return new Promise((resolve) => {
    const c = spawn("ip", ["netns", "exec", NS, "python3", CHURN, String(RATE), String(SECONDS), "2"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    c.stdout.on("data", (d) => {
      out += d;
      if (out.includes('"ready"') && onStart) {
        onStart();
        onStart = null;
      }
    });
    c.on("exit", () => resolve(JSON.parse(out.trim().split("\n").pop())));
  });
}

/** One tracer over one churn: what it saw, lost, and its CPU while the churn ran. */
async function measure(name, argv, read) {
  const tracer = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  let stdout = "";
  let stderr = "";
  let lines = 0;
  tracer.stdout.on("data", (d) => {
    if (read === "count") {
      for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++;
      stdout = (stdout + d.toString()).slice(-200_000);
      if (process.env.TRACE_BENCH_DEBUG) process.stderr.write(d);
    } else stdout += d;
  });
  tracer.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((resolve) => tracer.on("exit", resolve));
  // Started: tcpstat says so on stderr; the others get a second.
  const t0 = Date.now();
  while (!/tracing TCP|Hit Ctrl|perf record|trace-cmd|^$/.test(stderr) && Date.now() - t0 < 1000) await new Promise((r) => setTimeout(r, 20));
  let cpu0 = 0;
  const made = await churn(() => (cpu0 = cpuSeconds(tracer.pid)));
  const cpu1 = cpuSeconds(tracer.pid);
  // The churn is over: each tracer reads what is left in its buffers and reports.
  writeFileSync(STOP, "");
  // (The text reader stops at the STOP file and between two reads: a signal would end it unheard.)
  if (!name.includes("text reader")) tracer.kill("SIGINT");
  await exited;
  rmSync(STOP, { force: true });
  return { name, made, stdout, stderr, lines, cpuShare: (cpu1 - cpu0) / made.seconds };
}

const results = [];
const expected = (made) => made.connections * 10 + 8;

// tcpstat, NDJSON and text.
for (const [name, extra] of [["tcpstat trace --ndjson", ["--ndjson"]], ["tcpstat trace (text)", []]]) {
  const r = await measure(name, [process.execPath, BIN, "trace", "-N", NS, ...extra], "count");
  const summaryText = r.stdout;
  let seen;
  let lost;
  if (extra.length) {
    const summary = JSON.parse(summaryText.trim().split("\n").pop());
    seen = summary.transitions.reduce((n, t) => n + t.count, 0);
    lost = summary.lost;
  } else {
    const counts = [...summaryText.split("transitions:")[1].split("connections:")[0].matchAll(/^\s+(\d+)\s/gm)].map((m) => Number(m[1]));
    seen = counts.reduce((a, b) => a + b, 0);
    lost = Number(/lost events: (\d+)/.exec(summaryText)[1]);
  }
  results.push({ tool: name, rate: r.made.rate, made: expected(r.made), seen, lost, cpu: r.cpuShare });
}

// The text pipe, read and parsed in Node.
{
  const r = await measure("trace_pipe text reader", [process.execPath, TEXT_READER, String(SECONDS + 60), STOP], "all");
  const out = JSON.parse(r.stdout.trim().split("\n").pop());
  results.push({ tool: "trace_pipe text, parsed in Node", rate: r.made.rate, made: expected(r.made), seen: out.parsed, lost: out.lost, cpu: r.cpuShare, note: "machine-wide" });
}

// perf record and trace-cmd record, machine-wide (they cannot pick a namespace).
if (sh("sh", ["-c", "command -v perf"]).status === 0) {
  const file = `${tmpdir()}/tcpstat-bench-perf-${process.pid}.data`;
  const r = await measure("perf record", ["perf", "record", "-q", "-e", "sock:inet_sock_set_state", "-a", "-o", file, "--", "sleep", String(SECONDS + 60)], "all");
  const script = sh("sh", ["-c", `perf script -i ${file} 2>/dev/null | grep -c inet_sock_set_state`]).stdout.trim();
  const lostLine = /(\d+) lost/.exec(r.stderr + sh("perf", ["report", "-i", file, "--stats"]).stdout);
  results.push({ tool: "perf record -e sock:inet_sock_set_state -a", rate: r.made.rate, made: expected(r.made), seen: Number(script), lost: lostLine ? Number(lostLine[1]) : 0, cpu: r.cpuShare, note: "machine-wide" });
  rmSync(file, { force: true });
} else results.push({ tool: "perf", note: "not installed: not measured" });
if (sh("sh", ["-c", "command -v trace-cmd"]).status === 0) {
  const file = `${tmpdir()}/tcpstat-bench-tracecmd-${process.pid}.dat`;
  const r = await measure("trace-cmd record", ["trace-cmd", "record", "-q", "-e", "sock:inet_sock_set_state", "-o", file, "sleep", String(SECONDS + 60)], "all");
  const report = sh("sh", ["-c", `trace-cmd report -i ${file} 2>/dev/null | grep -c inet_sock_set_state`]).stdout.trim();
  const lostMatch = /CPU\s*\d+ overrun:\s*(\d+)/g;
  const lost = [...(r.stdout + r.stderr).matchAll(lostMatch)].reduce((n, m) => n + Number(m[1]), 0);
  results.push({ tool: "trace-cmd record -e sock:inet_sock_set_state", rate: r.made.rate, made: expected(r.made), seen: Number(report), lost, cpu: r.cpuShare, note: "machine-wide; its per-CPU recorder processes not counted" });
  rmSync(file, { force: true });
} else results.push({ tool: "trace-cmd", note: "not installed: not measured" });

// How soon tcpstat trace prints.
const firstLine = [];
for (let i = 0; i < 5; i++) {
  const ticker = spawn("ip", ["netns", "exec", NS, "python3", "-c", "import socket,time\nfor i in range(600):\n  s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); s.close(); time.sleep(0.005)"], { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  const t = spawn(process.execPath, [BIN, "trace", "-N", NS, "-q"], { stdio: ["ignore", "pipe", "ignore"] });
  await new Promise((r) => t.stdout.once("data", r));
  firstLine.push(performance.now() - t0);
  t.kill("SIGTERM");
  ticker.kill();
  await new Promise((r) => t.on("exit", r));
}

// For scale: the same machine's start of the smallest tcpstat run.
const version = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  sh(process.execPath, [BIN, "--version"]);
  version.push(performance.now() - t0);
}

const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
console.log(`trace benchmark: ${RATE} connections/s asked for ${SECONDS} s, namespace ${NS}; load average at the end ${load}`);
for (const r of results) {
  if (r.made === undefined) {
    console.log(`  ${r.tool}: ${r.note}`);
    continue;
  }
  console.log(`  ${r.tool}: churn ${r.rate}/s, changes made ${r.made}, seen ${r.seen}, lost ${r.lost}, CPU ${(r.cpu * 100).toFixed(0)}% of one core${r.note ? ` (${r.note})` : ""}`);
}
console.log(`  tcpstat trace, start to first line (a change every 5 ms): median ${median(firstLine).toFixed(0)} ms of ${firstLine.map((x) => x.toFixed(0)).join(", ")}; tcpstat --version: median ${median(version).toFixed(0)} ms`);
