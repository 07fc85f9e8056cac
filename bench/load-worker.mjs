// One load process of the benchmark: holds `--conns` loopback TCP connections (both ends,
// so twice as many sockets) and reports "ready <sockets>" on stdout once they are up.
//
//   node bench/load-worker.mjs --port 20001 --conns 8000 --v6 0.2 --half 0.1 --ttl 600
//
// --v6: share of connections made over ::1 instead of 127.0.0.1.
// --half: share whose client half-closes (shutdown(SHUT_WR)): the client sits in FIN_WAIT2
//         and the server, which never answers the FIN, in CLOSE_WAIT: the leak people hunt.
// The process ends by itself after --ttl seconds, when a piped stdin closes (the bench went away),
// or on SIGTERM; it never outlives the network namespace it was started in anyway.
import { fstatSync } from "node:fs";
import net from "node:net";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    conns: { type: "string" },
    v6: { type: "string", default: "0.2" },
    half: { type: "string", default: "0.1" },
    ttl: { type: "string", default: "900" },
  },
});
const port = Number(values.port);
const conns = Number(values.conns);
const v6Share = Number(values.v6);
const halfShare = Number(values.half);

setTimeout(() => process.exit(0), Number(values.ttl) * 1000).unref();
// Started with a pipe on stdin (the bench: a socket pair), its closing means the bench is gone.
const stdin = fstatSync(0);
if (stdin.isFIFO() || stdin.isSocket()) {
  process.stdin.on("end", () => process.exit(0));
  process.stdin.on("error", () => process.exit(0));
  process.stdin.resume();
}
process.on("SIGTERM", () => process.exit(0));

const fail = (message) => {
  process.stderr.write(`load-worker ${port}: ${message}\n`);
  process.exit(1);
};

const held = [];
const listen = (host) =>
  new Promise((resolve, reject) => {
    // allowHalfOpen: a client's FIN does not make us close, so the server end stays in CLOSE_WAIT.
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      socket.on("error", () => {});
      held.push(socket);
    });
    server.on("error", reject);
    server.listen({ host, port, backlog: 4096, ipv6Only: host === "::1" }, () => resolve(server));
  });

const connect = (host) =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });

try {
  await listen("127.0.0.1");
  if (v6Share > 0) await listen("::1");
} catch (error) {
  fail(`cannot listen: ${error.message}`);
}

const v6Count = Math.round(conns * v6Share);
const halfCount = Math.round(conns * halfShare);
const clients = [];
const BATCH = 256; // connections in flight at once: below the listen backlog
for (let done = 0; done < conns; ) {
  const batch = [];
  for (let k = 0; k < BATCH && done < conns; k++, done++) batch.push(connect(done < v6Count ? "::1" : "127.0.0.1"));
  try {
    clients.push(...(await Promise.all(batch)));
  } catch (error) {
    fail(`connect failed after ${clients.length} connections: ${error.message}`);
  }
}
for (const c of clients) c.on("error", () => {});
// Spread the half-closed ones over both families: every k-th client.
const step = halfCount > 0 ? conns / halfCount : Infinity;
for (let i = 0; i < halfCount; i++) clients[Math.floor(i * step)]?.end();

// Wait until the server side has accepted every connection.
const deadline = Date.now() + 60_000;
while (held.length < conns) {
  if (Date.now() > deadline) fail(`only ${held.length} of ${conns} connections accepted`);
  await new Promise((r) => setTimeout(r, 20));
}
process.stdout.write(`ready ${2 * conns}\n`);
