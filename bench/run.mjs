// `npm run bench`: tcpstat side by side with ss, netstat and systeminformation on a machine
// holding many TCP connections. Each size runs in its own fresh network namespace, so the
// host's sockets stay apart and nothing is left behind. Needs root (unshare -n) and GNU time.
//
//   npm run bench                                   # sizes 500, 1k, 10k, 50k, 100k connections
//   npm run bench -- --sizes 1000,10000 --rounds 3  # a quick run
//   npm run bench -- --sizes 50000 --only 'tcpstat|ss'
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { LEFT_OUT_ENV, checkGnuTime } from "./measure.mjs";
import { describeMachine, renderSize, renderTargets } from "./report.mjs";

const INNER = fileURLToPath(new URL("./inner.mjs", import.meta.url));

function usage(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      sizes: { type: "string", default: "500,1000,10000,50000,100000" },
      rounds: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      only: { type: "string" },
    },
  }));
} catch (error) {
  usage(`${error.message}; options: --sizes 1000,10000 --rounds N --warmup N --only REGEX`);
}
const sizes = values.sizes.split(",").map((s) => Number(s.trim()));
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) usage(`bad --sizes '${values.sizes}': give connection counts like 1000,10000`);
for (const flag of ["rounds", "warmup"]) {
  if (!/^\d+$/.test(values[flag]) || (flag === "rounds" && Number(values[flag]) < 1)) usage(`bad --${flag} '${values[flag]}': give a whole number`);
}
if (process.getuid?.() !== 0) usage("run as root: each size needs its own network namespace (unshare -n)");
try {
  checkGnuTime();
} catch (error) {
  usage(error.message);
}

/** Runs one size in a new network namespace; resolves with its timings. */
function runSize(conns) {
  const args = ["-n", process.execPath, INNER, "--conns", String(conns), "--rounds", values.rounds, "--warmup", values.warmup];
  if (values.only) args.push("--only", values.only);
  return new Promise((resolve, reject) => {
    const child = spawn("unshare", args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`size ${conns} failed (exit ${code})`));
      else resolve(JSON.parse(out));
    });
  });
}

const results = [];
for (const conns of sizes) {
  try {
    results.push(await runSize(conns));
  } catch (error) {
    process.stderr.write(`bench: ${error.message}\n`);
    process.exitCode = 1;
  }
}

const out = [
  `## Run of ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
  "",
  describeMachine(),
  "",
  `Command: \`npm run bench -- ${process.argv.slice(2).join(" ")}\``.replace(/ -- `$/, "`"),
  `Rounds: ${values.rounds} (+${values.warmup} warm-up), commands alternating within each round; wall time is the median, peak RSS the highest.`,
  ...(LEFT_OUT_ENV.length > 0 ? [`Left out of the commands' environment, where it was set: ${LEFT_OUT_ENV.join(", ")} (a fixed cost on every node start; bench/measure.mjs).`] : []),
  "",
  ...results.flatMap((r) => [renderSize(r), ""]),
];
const { text, failed } = renderTargets(results, values.only);
out.push("### Targets (issues 5 and 18)", "", text, "");
process.stdout.write(`${out.join("\n")}\n`);
if (failed > 0) process.stderr.write(`bench: ${failed} target(s) not met\n`);
