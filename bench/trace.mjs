// The trace benchmark (BENCHMARKS.md, "trace"), as root:
//   node bench/trace.mjs [RATE=5000] [SECONDS=10] [STAGES=all]
// STAGES: a comma list of alone, ndjson, text, pipe, perf, trace-cmd, start (default: all).
// In a namespace of its own, bench/trace-churn.py makes RATE connections a second for SECONDS
// (10 state changes each): first alone (the rate it can offer on this machine now, with no
// tracer), then beside one tracer at a time: tcpstat trace -N NS --ndjson, tcpstat trace -N NS
// (text lines), the text pipe reader (bench/trace-text-reader.mjs), perf record and
// trace-cmd record where they run. For each: changes seen against changes made, events lost,
// the tracer's CPU while the churn ran. Then how soon `tcpstat trace` prints, paired with
// `tcpstat --version` in the same seconds. Each stage prints its line when it ends.
// Every way out (the end, an error, Ctrl-C, SIGTERM, SIGHUP) stops what it started, removes
// the stages' tracefs instances and the namespace; a stage killed with SIGKILL by someone else
// leaves an instance that the next run removes.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { findTracefs, releaseTracefs, removeInstance, removeStaleInstances } from "./trace-tracefs.mjs";

const RATE = Number(process.argv[2] ?? 5000);
const SECONDS = Number(process.argv[3] ?? 10);
const ALL_STAGES = ["alone", "ndjson", "text", "pipe", "perf", "trace-cmd", "start"];
const STAGES = new Set(process.argv[4] ? process.argv[4].split(",") : ALL_STAGES);
const BIN = fileURLToPath(new URL("../bin/tcpstat.cjs", import.meta.url));
const CHURN = fileURLToPath(new URL("./trace-churn.py", import.meta.url));
const TEXT_READER = fileURLToPath(new URL("./trace-text-reader.mjs", import.meta.url));
const NS = `tcpstat-bench-trace-${process.pid}`;
const STOP = `${tmpdir()}/tcpstat-bench-trace-${process.pid}.stop`;
const TICK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || 100);
const WORKERS = 2;

for (const s of STAGES) if (!ALL_STAGES.includes(s)) {
  console.log(`bench/trace.mjs: unknown stage '${s}'; stages: ${ALL_STAGES.join(",")}`);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.log("bench/trace.mjs: not measured: tracing needs root");
  process.exit(0);
}
const sh = (cmd, args, options = {}) => spawnSync(cmd, args, { encoding: "utf8", ...options });
const probe = sh(process.execPath, [BIN, "trace", "--exact", "--duration", "50ms", "-q"]);
if (probe.status !== 0) {
  console.log(`bench/trace.mjs: not measured: tcpstat trace --exact fails here: ${probe.stderr.trim()}`);
  process.exit(0);
}
const tracefs = findTracefs();
if (tracefs.error) {
  console.log(`bench/trace.mjs: not measured: ${tracefs.error}`);
  process.exit(0);
}
// Instances of bench stages killed with SIGKILL in an earlier run (tcpstat removes its own).
removeStaleInstances(tracefs.path, "tcpstat-bench-text");
removeStaleInstances(tracefs.path, "tcpstat-bench-tc");

// --- Cleaning up on every way out -------------------------------------------------------
/** Children still running, each the leader of a process group of its own. */
const children = new Set();
/** Instance directories the stages may leave (removed at the end if still there). */
const instances = new Set();
/** Scratch files. */
const scratch = new Set([STOP]);
const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const alive = (pid) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  // SIGTERM first: tcpstat and the text reader remove their instances themselves; SIGKILL
  // after 2 s, then their instances are removed here.
  for (const signal of ["SIGTERM", "SIGKILL"]) {
    for (const c of children) {
      try {
        process.kill(-c.pid, signal);
      } catch {}
    }
    const until = Date.now() + 2000;
    while ([...children].some((c) => { try { return alive(c.pid); } catch { return false; } }) && Date.now() < until) sleepSync(20);
  }
  for (const dir of instances) removeInstance(dir);
  sh("ip", ["netns", "del", NS]);
  for (const file of scratch) rmSync(file, { force: true });
  releaseTracefs(tracefs);
}
process.on("exit", cleanup);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"])
  process.on(signal, () => {
    console.log(`bench/trace.mjs: stopped by ${signal}; cleaning up`);
    process.exit(1);
  });
process.on("uncaughtException", (error) => {
  console.log(`bench/trace.mjs: failed: ${error.stack ?? error}`);
  process.exit(1);
});

/** spawn(), in a process group of its own (killed whole at the end), remembered until it exits. */
function start(cmd, args, options) {
  const child = spawn(cmd, args, { ...options, detached: true });
  children.add(child);
  child.exited = new Promise((resolve) => child.on("exit", (code, signal) => {
    children.delete(child);
    resolve(code ?? signal);
  }));
  return child;
}

sh("ip", ["netns", "add", NS]);
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
const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const pct = (x) => `${(x * 100).toFixed(0)}%`;
const n = (x) => Number(x).toLocaleString("en-US");

/** Runs the churn in the namespace; resolves with its {connections, seconds, rate, cpu} once done. */
function churn(onStart) {
  return new Promise((resolve, reject) => {
    const c = start("ip", ["netns", "exec", NS, "python3", CHURN, String(RATE), String(SECONDS), String(WORKERS)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    c.stdout.on("data", (d) => {
      out += d;
      if (out.includes('"ready"') && onStart) {
        onStart();
        onStart = null;
      }
    });
    c.exited.then(() => {
      try {
        resolve(JSON.parse(out.trim().split("\n").pop()));
      } catch {
        reject(new Error(`the churn gave no result: ${out.trim()}`));
      }
    });
  });
}

/**
 * One tracer over one churn: what it saw, lost, and its CPU while the churn ran; null when
 * it ended before the churn began (then {failed: its stderr}).
 */
async function measure(argv, { read, ready, stopBySignal = true, instance }) {
  const tracer = start(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  const dir = instance?.(tracer.pid);
  if (dir) instances.add(dir);
  let stdout = "";
  let stderr = "";
  let ended = false;
  tracer.stdout.on("data", (d) => {
    stdout = read === "tail" ? (stdout + d.toString()).slice(-200_000) : stdout + d;
  });
  tracer.stderr.on("data", (d) => (stderr += d));
  tracer.exited.then(() => (ended = true));
  // Started: it says so on stderr; a tracer that says nothing (ready null) gets a second.
  const t0 = Date.now();
  while (!ready?.test(stderr) && !ended && Date.now() - t0 < 1000) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 50));
  if (ended) {
    if (dir) removeInstance(dir);
    return { failed: stderr.trim().split("\n").slice(-2).join(" ").replace(/\s+/g, " ") || "exited at once" };
  }
  let cpu0 = 0;
  const made = await churn(() => (cpu0 = cpuSeconds(tracer.pid)));
  const cpu1 = cpuSeconds(tracer.pid);
  // The churn is over: each tracer reads what is left in its buffers and reports.
  writeFileSync(STOP, "");
  if (stopBySignal) tracer.kill("SIGINT");
  await tracer.exited;
  rmSync(STOP, { force: true });
  if (dir) removeInstance(dir);
  return { made, stdout, stderr, cpuShare: (cpu1 - cpu0) / made.seconds };
}

const expected = (made) => made.connections * 10 + 8;
const line = (tool, r, seen, lost, note) =>
  console.log(
    `  ${tool}: churn ${n(r.made.rate)}/s (${n(r.made.connections)} connections in ${r.made.seconds} s), changes made ${n(expected(r.made))}, seen ${n(seen)}, lost ${n(lost)}, CPU ${pct(r.cpuShare)} of one core${note ? ` (${note})` : ""}; load ${loadavg()}`,
  );

console.log(`trace benchmark: ${n(RATE)} connections/s asked for ${SECONDS} s by ${WORKERS} processes, namespace ${NS}, tracefs at ${tracefs.path}; ${spawnSync("nproc").stdout.toString().trim()} CPUs; load average ${loadavg()}`);

// The churn alone: the rate this machine offers now, with no tracer.
if (STAGES.has("alone")) {
  const made = await churn();
  console.log(`  churn alone (no tracer): ${n(made.rate)}/s (${n(made.connections)} connections in ${made.seconds} s), its CPU ${made.cpu} s (${pct(made.cpu / made.seconds)} of one core); load ${loadavg()}`);
}

// tcpstat, NDJSON and text.
for (const [stage, tool, extra] of [["ndjson", "tcpstat trace -N NS --ndjson", ["--ndjson"]], ["text", "tcpstat trace -N NS (text lines)", []]]) {
  if (!STAGES.has(stage)) continue;
  const r = await measure([process.execPath, BIN, "trace", "-N", NS, ...extra], { read: "tail", ready: /tracing TCP/, instance: (pid) => `${tracefs.path}/instances/tcpstat-${pid}` });
  if (r.failed) {
    console.log(`  ${tool}: failed: ${r.failed}`);
    continue;
  }
  let seen;
  let lost;
  if (extra.length) {
    const summary = JSON.parse(r.stdout.trim().split("\n").pop());
    seen = summary.transitions.reduce((sum, t) => sum + t.count, 0);
    lost = summary.lost;
  } else {
    const counts = [...r.stdout.split("transitions:")[1].split("connections:")[0].matchAll(/^\s+(\d+)\s/gm)].map((m) => Number(m[1]));
    seen = counts.reduce((a, b) => a + b, 0);
    lost = Number(/lost events: (\d+)/.exec(r.stdout)[1]);
  }
  line(tool, r, seen, lost);
}

// The text pipe, read and parsed in Node.
if (STAGES.has("pipe")) {
  const r = await measure([process.execPath, TEXT_READER, String(SECONDS + 60), STOP], { read: "all", ready: /reading/, instance: (pid) => `${tracefs.path}/instances/tcpstat-bench-text-${pid}` });
  if (r.failed) console.log(`  trace_pipe text reader: failed: ${r.failed}`);
  else {
    const out = JSON.parse(r.stdout.trim().split("\n").pop());
    line("trace_pipe text, parsed in Node", r, out.parsed, out.lost, "machine-wide");
  }
}

// perf record and trace-cmd record, machine-wide (they cannot pick a namespace).
if (STAGES.has("perf")) {
  if (sh("sh", ["-c", "command -v perf"]).status === 0) {
    const file = `${tmpdir()}/tcpstat-bench-perf-${process.pid}.data`;
    scratch.add(file);
    const r = await measure(["perf", "record", "-q", "-e", "sock:inet_sock_set_state", "-a", "-o", file, "--", "sleep", String(SECONDS + 60)], { read: "all", ready: null });
    if (r.failed) console.log(`  perf record: failed: ${r.failed}`);
    else {
      const seen = sh("sh", ["-c", `perf script -i ${file} 2>/dev/null | grep -c inet_sock_set_state`]).stdout.trim();
      const lostLine = /(\d+) lost/.exec(r.stderr + sh("perf", ["report", "-i", file, "--stats"]).stdout);
      line("perf record -e sock:inet_sock_set_state -a", r, Number(seen), lostLine ? Number(lostLine[1]) : 0, "machine-wide; the recorder copies raw pages to a file, decoded afterwards by perf script");
    }
    rmSync(file, { force: true });
  } else console.log("  perf: not installed: not measured");
}
if (STAGES.has("trace-cmd")) {
  if (sh("sh", ["-c", "command -v trace-cmd"]).status === 0) {
    const file = `${tmpdir()}/tcpstat-bench-tracecmd-${process.pid}.dat`;
    scratch.add(file);
    // In an instance of its own (-B), never the global buffer; removed at the end if it stays.
    const buffer = (pid) => `tcpstat-bench-tc-${pid}`;
    const r = await measure(["sh", "-c", `exec trace-cmd record -q -B ${buffer("$$")} -e sock:inet_sock_set_state -o ${file} sleep ${SECONDS + 60}`], {
      read: "all",
      ready: null,
      instance: (pid) => `${tracefs.path}/instances/${buffer(pid)}`,
    });
    if (r.failed) console.log(`  trace-cmd record: not measured: it fails here: ${r.failed}`);
    else {
      const seen = sh("sh", ["-c", `trace-cmd report -i ${file} 2>/dev/null | grep -c inet_sock_set_state`]).stdout.trim();
      const lost = [...(r.stdout + r.stderr).matchAll(/overrun:\s*(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      line("trace-cmd record -e sock:inet_sock_set_state", r, Number(seen), lost, "machine-wide; its per-CPU recorder processes not counted");
    }
    rmSync(file, { force: true });
  } else console.log("  trace-cmd: not installed: not measured");
}

// How soon tcpstat trace prints, paired with tcpstat --version (one after the other, the
// order alternating), while a change happens in the namespace every 5 ms. Without
// NODE_EXTRA_CA_CERTS, if it is set: it makes every node process read that many certificates
// before any of its code runs (measured 100-250 ms a start here), which no user of tcpstat pays by default.
if (STAGES.has("start")) {
  const env = { ...process.env };
  const certs = env.NODE_EXTRA_CA_CERTS !== undefined;
  delete env.NODE_EXTRA_CA_CERTS;
  const ROUNDS = 15;
  const ticker = start("ip", ["netns", "exec", NS, "python3", "-c", "import socket,time\nwhile True:\n  s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); s.close(); time.sleep(0.005)"], { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 200));
  const traceRun = async () => {
    const t0 = performance.now();
    const t = start(process.execPath, [BIN, "trace", "-N", NS], { stdio: ["ignore", "pipe", "pipe"], env });
    instances.add(`${tracefs.path}/instances/tcpstat-${t.pid}`);
    let notice = NaN;
    t.stderr.once("data", () => (notice = performance.now() - t0));
    await new Promise((r) => t.stdout.once("data", r));
    const first = performance.now() - t0;
    t.kill("SIGTERM");
    await t.exited;
    return { notice, first };
  };
  const versionRun = () => {
    const t0 = performance.now();
    sh(process.execPath, [BIN, "--version"], { env });
    return performance.now() - t0;
  };
  const rows = [];
  for (let i = -1; i < ROUNDS; i++) {
    let row;
    if (i % 2 === 0) row = { version: versionRun(), ...(await traceRun()) };
    else row = { ...(await traceRun()), version: versionRun() };
    if (i >= 0) rows.push(row);
  }
  try {
    process.kill(-ticker.pid, "SIGTERM");
  } catch {}
  await ticker.exited;
  const ms = (xs) => `${quantile(xs, 0.5).toFixed(0)} ms (quartiles ${quantile(xs, 0.25).toFixed(0)}–${quantile(xs, 0.75).toFixed(0)})`;
  const first = rows.map((r) => r.first);
  const version = rows.map((r) => r.version);
  console.log(
    `  tcpstat trace -N NS, start to first line (a change every 5 ms), ${ROUNDS} rounds paired with tcpstat --version: first line ${ms(first)}, notice on stderr ${ms(rows.map((r) => r.notice))}; tcpstat --version ${ms(version)}; first line minus --version ${ms(rows.map((r) => r.first - r.version))}${certs ? " (NODE_EXTRA_CA_CERTS unset for both)" : ""}; load ${loadavg()}`,
  );
}
