// The other way to read the tracepoint, kept to compare with tcpstat's binary reader
// (BENCHMARKS.md, "trace"): a tracefs instance's text pipe (trace_pipe), read and parsed line
// by line as tcpstat would have to. Runs until the file STOP exists (checked between reads),
// at most SECONDS, then prints {"lines", "parsed", "lost"}.
// Usage (root): node bench/trace-text-reader.mjs SECONDS STOP
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmdirSync, writeFileSync } from "node:fs";

const seconds = Number(process.argv[2] ?? 10);
const stop = process.argv[3] ?? "/nonexistent";
const root = "/sys/kernel/tracing";
const dir = `${root}/instances/tcpstat-bench-text-${process.pid}`;
mkdirSync(dir);
const cleanup = () => {
  try {
    rmdirSync(dir);
  } catch {}
};
process.on("exit", cleanup);
writeFileSync(`${dir}/buffer_size_kb`, "4096");
writeFileSync(`${dir}/events/sock/inet_sock_set_state/enable`, "1");
const fd = openSync(`${dir}/trace_pipe`, "r");
const LINE = /-(\d+)\s+\[(\d+)\]\s+(\S+)\s+([\d.]+): inet_sock_set_state: family=(\S+) protocol=\S+ sport=(\d+) dport=(\d+) saddr=(\S+) daddr=(\S+) saddrv6=\S+ daddrv6=\S+ oldstate=(\S+) newstate=(\S+)/;
const buf = Buffer.alloc(1 << 16);
let rest = "";
let lines = 0;
let parsed = 0;
const end = Date.now() + seconds * 1000;
// trace_pipe blocks: each read waits for text; the loop stops once time is up and a read returns.
while (Date.now() < end && !existsSync(stop)) {
  const n = readSync(fd, buf, 0, buf.length, null);
  if (n <= 0) continue;
  const parts = (rest + buf.toString("utf8", 0, n)).split("\n");
  rest = parts.pop();
  for (const line of parts) {
    lines++;
    if (LINE.exec(line)) parsed++;
  }
}
closeSync(fd);
let lost = 0;
for (const cpu of readdirSync(`${dir}/per_cpu`)) {
  try {
    const stats = readFileSync(`${dir}/per_cpu/${cpu}/stats`, "utf8");
    lost += Number(/^overrun: (\d+)/m.exec(stats)?.[1] ?? 0) + Number(/^dropped events: (\d+)/m.exec(stats)?.[1] ?? 0);
  } catch {}
}
console.log(JSON.stringify({ lines, parsed, lost }));
