// `tcpstat serve --detailed`'s memory against clients that never read (issue 22, item 4), in a
// fresh network namespace holding --conns connections (2 sockets each):
//
//   sudo node bench/serve-memory.mjs --conns 60000            # 120k sockets
//   sudo node bench/serve-memory.mjs --conns 60000 --bin /tmp/old/bin/tcpstat.cjs
//
// serve is started with --detailed, scraped twice as Prometheus would (read whole), then 32
// clients ask for /metrics in --waves waves and never read past the first bytes of the answer,
// then one more normal scrape. Printed: the body's size, serve's RSS (VmRSS) and peak RSS
// (VmHWM, from /proc/PID/status) after the normal scrapes and after the non-readers, and the
// self-metrics of the last scrape (absent in builds before them).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { holdConnections, ownNamespace, prepareNamespace } from "./load.mjs";

const INSIDE = "TCPSTAT_BENCH_SERVE_MEMORY_INSIDE";
const PORT = 9730;
const usage = (message) => {
  process.stderr.write(`bench/serve-memory: ${message}\n`);
  process.exit(2);
};

let values;
try {
  ({ values } = parseArgs({
    options: {
      conns: { type: "string", default: "60000" },
      bin: { type: "string", default: fileURLToPath(new URL("../bin/tcpstat.cjs", import.meta.url)) },
      clients: { type: "string", default: "32" },
      waves: { type: "string", default: "4" },
    },
  }));
} catch (error) {
  usage(`${error.message}; options: --conns N --bin PATH --clients N --waves N`);
}
const conns = Number(values.conns);
const clients = Number(values.clients);
const waves = Number(values.waves);

ownNamespace(import.meta.url, INSIDE, usage);

prepareNamespace();
// serve first: the connections take nearly every port as their clients' ephemeral ports.
const serve = spawn(process.execPath, [values.bin, "serve", "-q", "-t", "--detailed", "--listen", `127.0.0.1:${PORT}`], { stdio: ["ignore", "ignore", "pipe"] });
let stderr = "";
serve.stderr.on("data", (d) => (stderr += d));
let load;
try {
  while (!stderr.includes("serving")) {
    if (serve.exitCode !== null) throw new Error(`serve exited: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  load = await holdConnections(conns);
} catch (error) {
  serve.kill("SIGKILL");
  process.stderr.write(`bench/serve-memory: ${error.message}\n`);
  process.exit(1);
}
const stop = () => {
  serve.kill("SIGKILL");
  load.stop();
};
const memory = () => {
  const status = readFileSync(`/proc/${serve.pid}/status`, "utf8");
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)[1]);
  return { rssMB: Math.round(kb("VmRSS") / 1024), peakMB: Math.round(kb("VmHWM") / 1024) };
};
const scrape = async () => {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${PORT}/metrics`);
  const text = await response.text();
  return { status: response.status, bytes: Buffer.byteLength(text), ms: Math.round(performance.now() - started), text };
};
/** Asks for /metrics, takes the first bytes of the answer, then reads nothing more. */
const nonReader = () =>
  new Promise((resolve) => {
    const socket = net.connect(PORT, "127.0.0.1", () => socket.write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
    socket.on("error", () => {});
    socket.on("close", () => resolve(null));
    socket.once("data", () => {
      socket.pause();
      resolve(socket);
    });
  });

try {
  const plain = [await scrape(), await scrape()];
  const afterPlain = memory();
  const waiting = [];
  const perWave = [];
  for (let w = 0; w < waves; w++) {
    const wave = await Promise.all(Array.from({ length: Math.ceil(clients / waves) }, nonReader));
    perWave.push({ answered: wave.filter(Boolean).length, ...memory() });
    waiting.push(...wave.filter(Boolean));
  }
  const last = await scrape();
  const afterAbuse = memory();
  const own = last.text.split("\n").filter((line) => line.startsWith("tcpstat_serve_"));
  const sockets = last.text.split("\n").filter((line) => line.startsWith("tcpstat_socket_info{")).length;
  process.stdout.write(
    [
      `${conns} connections (${sockets} tcpstat_socket_info series), ${values.bin}`,
      `normal scrapes: ${plain.map((s) => `${s.status} ${(s.bytes / 1e6).toFixed(1)} MB in ${s.ms} ms`).join(", ")}; serve RSS ${afterPlain.rssMB} MB, peak ${afterPlain.peakMB} MB`,
      ...perWave.map((w, i) => `wave ${i + 1}: ${w.answered} non-readers answered; serve RSS ${w.rssMB} MB, peak ${w.peakMB} MB`),
      `scrape after them: ${last.status} ${(last.bytes / 1e6).toFixed(1)} MB in ${last.ms} ms; serve RSS ${afterAbuse.rssMB} MB, peak ${afterAbuse.peakMB} MB`,
      ...own,
    ].join("\n") + "\n",
  );
  for (const socket of waiting) socket.destroy();
} catch (error) {
  process.stderr.write(`bench/serve-memory: ${error.message}\n`);
  process.exitCode = 1;
}
stop();
