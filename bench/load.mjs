// Sets up the namespace the benchmark runs in and fills it with connections.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const WORKER = fileURLToPath(new URL("./load-worker.mjs", import.meta.url));
/** Connections per load process: both ends live there, so twice this many descriptors. */
const MAX_PER_WORKER = 8000;
const FIRST_PORT = 20000;
/** Load processes end by themselves after this long, whatever happens to the bench. */
const WORKER_TTL_S = 3600;

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${(r.stderr || r.error?.message || "").trim()}`);
  return r.stdout;
}

/**
 * Runs the calling script again inside a network namespace of its own (`unshare -n`), waits
 * for it and exits with its status; inside that namespace it returns at once. Root only:
 * `refuse(message)` is called otherwise (it exits).
 *
 *   ownNamespace(import.meta.url, "TCPSTAT_BENCH_PAIR_INSIDE", usage); // now inside
 */
export function ownNamespace(scriptUrl, inside, refuse) {
  if (process.env[inside] !== undefined) return;
  if (process.getuid?.() !== 0) refuse("run as root: the sockets are held in a network namespace of their own (unshare -n)");
  const inner = spawnSync("unshare", ["-n", process.execPath, fileURLToPath(scriptUrl), ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, [inside]: "1" },
  });
  process.exit(inner.status ?? 1);
}

/**
 * Loopback up, and room for 200k sockets: the whole ephemeral port range and deep accept
 * queues. These sysctls are per network namespace, so the host is untouched.
 */
export function prepareNamespace() {
  sh("ip", ["link", "set", "lo", "up"]);
  writeFileSync("/proc/sys/net/ipv4/ip_local_port_range", "1024 65535\n");
  writeFileSync("/proc/sys/net/core/somaxconn", "4096\n");
  writeFileSync("/proc/sys/net/ipv4/tcp_max_syn_backlog", "8192\n");
  // The listeners' ports: never handed out as a client's ephemeral port, which would make
  // a later listener fail with EADDRINUSE.
  writeFileSync("/proc/sys/net/ipv4/ip_local_reserved_ports", `${FIRST_PORT}-${FIRST_PORT + 999}\n`);
}

/** Descriptors one process may open here: its hard limit (the soft one is raised to it). */
function hardFdLimit() {
  return Number(sh("sh", ["-c", "ulimit -Hn"]).trim());
}

/** Sockets in this namespace's TCP tables (header lines not counted). */
export function countTcpSockets() {
  let n = 0;
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = readFileSync(file, "latin1");
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
    n--; // header
  }
  return n;
}

/**
 * Starts enough load processes to hold `conns` connections (2 * conns sockets) and resolves
 * when all report ready. Returns a function that stops them.
 */
export async function holdConnections(conns, { v6Share = 0.2, halfShare = 0.1 } = {}) {
  const perWorker = Math.max(1, Math.min(MAX_PER_WORKER, Math.floor((hardFdLimit() - 200) / 2)));
  const workers = [];
  const ready = [];
  for (let left = conns, i = 0; left > 0; left -= perWorker, i++) {
    const n = Math.min(perWorker, left);
    // The soft descriptor limit is raised to the hard one, then node takes the shell's place.
    const child = spawn(
      "sh",
      ["-c", 'ulimit -n "$(ulimit -Hn)" && exec "$@"', "sh", process.execPath, WORKER,
        "--port", String(FIRST_PORT + i), "--conns", String(n),
        "--v6", String(v6Share), "--half", String(halfShare), "--ttl", String(WORKER_TTL_S)],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    workers.push(child);
    ready.push(
      new Promise((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d) => {
          out += d;
          if (out.includes("ready")) resolve();
        });
        child.on("exit", (code) => reject(new Error(`load process ${i} exited (${code}) before it was ready`)));
      }),
    );
  }
  const stop = () => {
    for (const w of workers) w.kill("SIGKILL");
  };
  try {
    await Promise.all(ready);
  } catch (error) {
    stop();
    throw error;
  }
  return { stop, processes: workers.length };
}
