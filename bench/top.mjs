// `tcpstat top` on a real terminal (tmux) over N connections in a namespace of its own:
// the first frame (from start to the screen drawn, node's start-up included), the refresh
// cost top itself reports in its header, keys (sort, filter, scroll: from the key sent to
// the screen changed, tmux's round trip included), and memory (VmRSS, VmHWM) over a run.
//
//   sudo node bench/top.mjs --conns 500                 # 1k sockets
//   sudo node bench/top.mjs --conns 50000               # 100k sockets
//   sudo node bench/top.mjs --conns 5000 --churn 200 --minutes 10   # the 10-minute memory run
//
// --churn N opens and closes N connections a second beside the held ones; --args=--no-owners
// passes options to top. Needs root and tmux.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { holdConnections, ownNamespace, prepareNamespace } from "./load.mjs";

const INSIDE = "TCPSTAT_BENCH_TOP_INSIDE";
const BIN = fileURLToPath(new URL("../bin/tcpstat.cjs", import.meta.url));
const { values } = parseArgs({ options: { conns: { type: "string", default: "500" }, churn: { type: "string", default: "0" }, minutes: { type: "string", default: "0" }, args: { type: "string", default: "" } } });
const conns = Number(values.conns);
const churn = Number(values.churn);
const minutes = Number(values.minutes);

ownNamespace(import.meta.url, INSIDE, (message) => {
  process.stderr.write(`bench/top: ${message}\n`);
  process.exit(2);
});

// A tmux server of this run's own (-L): a server already running (another run's, a test's)
// would start top in the namespace it was started in, not in this one.
const session = `bench-top-${process.pid}`;
const tmux = (...args) => spawnSync("tmux", ["-L", session, ...args], { encoding: "utf8" });
const screen = () => tmux("capture-pane", "-p", "-t", session).stdout;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Each look is a tmux process: looking every 5 ms is itself a load on two cores. Keys are timed
// to the look, so they are looked for every 5 ms; the first frame every 20 ms; the refresh
// costs, which top reports itself, every 200 ms (looking faster only slowed what it read).
async function until(test, what, { ms = 120_000, every = 5 } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = test();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${screen()}`);
    await sleep(every);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

prepareNamespace();
const load = await holdConnections(conns);
let churner = null;
if (churn > 0) {
  const script = `const net=require("net");const s=net.createServer(c=>c.on("error",()=>{})).listen(19999,"127.0.0.1");const open=[];setInterval(()=>{for(let i=0;i<${churn}/10;i++){const c=net.connect(19999,"127.0.0.1");c.on("error",()=>{});open.push(c)}while(open.length>${churn})open.shift().destroy()},100)`;
  churner = spawn(process.execPath, ["-e", script], { stdio: "ignore" });
}
const out = [];
try {
  const started = performance.now();
  tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "50", `env NO_COLOR=1 ${process.execPath} ${BIN} top --interval 1 --no-trace ${values.args}`);
  await until(() => screen().includes("? help") && /\d+ sockets/.test(screen()), "the first frame", { every: 20 });
  out.push(`first frame: ${(performance.now() - started).toFixed(0)} ms (${/(\d+) sockets/.exec(screen())[1]} sockets)`);
  // The node running top (not the shell or env before it).
  const pid = spawnSync("pgrep", ["-f", `${BIN} top`], { encoding: "utf8" })
    .stdout.trim()
    .split("\n")
    .map(Number)
    .find((p) => readFileSync(`/proc/${p}/comm`, "utf8").trim() === "node");
  // Refresh costs as top reports them, over the next refreshes.
  const costs = [];
  let header = "";
  const head = () => /refresh \d+(\.\d)? ms every \S+ m?s( \(slowed from [^)]*\))?/.exec(screen())?.[0];
  // Five refreshes; three on a big table, whose refreshes slow down to several times their cost.
  while (costs.length < (conns >= 20_000 ? 3 : 5)) {
    const h = await until(() => head() !== header && head(), "a refresh", { every: 200 });
    header = h;
    costs.push(Number(/refresh (\d+(?:\.\d)?) ms/.exec(h)[1]));
  }
  out.push(`refresh (reading included): median ${median(costs)} ms of ${costs.join(", ")}; last header: ${header}`);
  // Keys: from send-keys to the screen showing the answer.
  const key = async (what, send, shows) => {
    const t = performance.now();
    tmux("send-keys", "-t", session, ...send);
    await until(shows, what);
    return performance.now() - t;
  };
  const keyTimes = { sort: [], filter: [], scroll: [] };
  for (let i = 0; i < 5; i++) {
    const arrow = screen().includes("Sent/s▼") ? "▲" : "▼";
    keyTimes.sort.push(await key("sort", ["i"], () => screen().includes(`Sent/s${arrow}`)));
    keyTimes.filter.push(await key("filter", ["/", ":", "2", "0", "0", "0", "0"], () => screen().includes("Filter: :20000 ")));
    await key("clear", ["Escape", "Escape"], () => !screen().includes("Filter:"));
    const sel = () => screen().split("\n").find((l) => l.startsWith(">"));
    const before = sel();
    keyTimes.scroll.push(await key("scroll", ["PageDown"], () => sel() !== before));
  }
  for (const [k, xs] of Object.entries(keyTimes)) out.push(`key ${k}: median ${median(xs).toFixed(0)} ms of ${xs.map((x) => x.toFixed(0)).join(", ")}`);
  const mem = () => {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    return { rss: Number(/VmRSS:\s+(\d+)/.exec(s)[1]) / 1024, hwm: Number(/VmHWM:\s+(\d+)/.exec(s)[1]) / 1024 };
  };
  const first = mem();
  let peak = first.rss;
  const samples = [];
  for (const end = Date.now() + minutes * 60_000; Date.now() < end; ) {
    await sleep(10_000);
    const m = mem();
    peak = Math.max(peak, m.rss);
    samples.push(m.rss.toFixed(0));
  }
  const last = mem();
  out.push(`memory: RSS ${first.rss.toFixed(0)} MB after the keys, ${last.rss.toFixed(0)} MB at the end${minutes > 0 ? ` of ${minutes} min (churn ${churn}/s), peak sampled ${peak.toFixed(0)} MB, every 10 s: ${samples.join(" ")}` : ""}; VmHWM ${last.hwm.toFixed(0)} MB`);
  tmux("send-keys", "-t", session, "q");
} finally {
  tmux("kill-server");
  churner?.kill("SIGKILL");
  load.stop();
}
process.stdout.write(`${conns} connections (${conns * 2} sockets) in the bench namespace\n${out.join("\n")}\n`);
