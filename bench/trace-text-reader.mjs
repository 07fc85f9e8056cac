// The other way to read the tracepoint, kept to compare with tcpstat's binary reader
// (BENCHMARKS.md, "trace"): a tracefs instance's text pipe (trace_pipe), read and parsed line
// by line as tcpstat would have to. trace_pipe is opened non-blocking and drained every
// 10 ms, as tcpstat drains its binary buffers, so a stop is seen at once even when no event
// comes: it stops at SIGINT or SIGTERM, when the file STOP exists, or after SECONDS, reads
// what is left, prints {"lines", "parsed", "lost"} and removes its instance
// (tcpstat-bench-text-PID; also on an error; bench/trace.mjs removes it after a SIGKILL).
// The buffer is tcpstat's default for this machine (16 MiB a CPU on up to 4 CPUs).
// Usage (root): node bench/trace-text-reader.mjs SECONDS STOP
import { closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { findTracefs, releaseTracefs, removeInstance } from "./trace-tracefs.mjs";

const seconds = Number(process.argv[2] ?? 10);
const stop = process.argv[3] ?? "/nonexistent";
const root = findTracefs();
if (root.error) {
  process.stderr.write(`trace-text-reader: ${root.error}\n`);
  process.exit(1);
}
const dir = `${root.path}/instances/tcpstat-bench-text-${process.pid}`;
let fd = null;
process.on("exit", () => {
  if (fd !== null) closeSync(fd);
  fd = null;
  removeInstance(dir);
  releaseTracefs(root);
});
let stopping = false;
process.on("SIGINT", () => (stopping = true));
process.on("SIGTERM", () => (stopping = true));

mkdirSync(dir);
writeFileSync(`${dir}/buffer_size_kb`, String(Math.max(1024, Math.min(16384, Math.floor(65536 / cpus().length)))));
writeFileSync(`${dir}/events/sock/inet_sock_set_state/enable`, "1");
fd = openSync(`${dir}/trace_pipe`, constants.O_RDONLY | constants.O_NONBLOCK);
process.stderr.write(`trace-text-reader: reading ${dir}/trace_pipe\n`);

const LINE = /-(\d+)\s+\[(\d+)\]\s+(\S+)\s+([\d.]+): inet_sock_set_state: family=(\S+) protocol=\S+ sport=(\d+) dport=(\d+) saddr=(\S+) daddr=(\S+) saddrv6=\S+ daddrv6=\S+ oldstate=(\S+) newstate=(\S+)/;
const buf = Buffer.alloc(1 << 16);
let rest = "";
let lines = 0;
let parsed = 0;
const end = Date.now() + seconds * 1000;

/** Reads until the pipe has nothing now (EAGAIN). */
function readAll() {
  for (;;) {
    let n;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (error) {
      if (error.code === "EAGAIN") return;
      throw error;
    }
    if (n <= 0) return;
    const parts = (rest + buf.toString("utf8", 0, n)).split("\n");
    rest = parts.pop();
    for (const line of parts) {
      lines++;
      if (LINE.exec(line)) parsed++;
    }
  }
}

function finish() {
  writeFileSync(`${dir}/tracing_on`, "0");
  readAll();
  let lost = 0;
  for (const cpu of readdirSync(`${dir}/per_cpu`)) {
    try {
      const stats = readFileSync(`${dir}/per_cpu/${cpu}/stats`, "utf8");
      lost += Number(/^overrun: (\d+)/m.exec(stats)?.[1] ?? 0) + Number(/^dropped events: (\d+)/m.exec(stats)?.[1] ?? 0);
    } catch {}
  }
  console.log(JSON.stringify({ lines, parsed, lost }));
  process.exit(0);
}

function tick() {
  readAll();
  if (stopping || Date.now() >= end || existsSync(stop)) finish();
  else setTimeout(tick, 10);
}
tick();
