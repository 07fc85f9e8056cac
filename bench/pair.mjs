// A/B timing of two commands on the same sockets, for changes smaller than the noise between
// batches (BENCHMARKS.md, seventh pass): every round runs both, back to back, which one first
// alternating, and the median of the differences B - A is printed with its quartiles.
//
//   sudo node bench/pair.mjs --conns 500 --rounds 101 \
//     --a 'node /tmp/old/bin/tcpstat.cjs -t' --b 'node bin/tcpstat.cjs -t'
//
// The commands are split at spaces (no quoting). Like bench/run.mjs it runs in a fresh
// network namespace holding --conns connections, and needs root.
import { parseArgs } from "node:util";
import { holdConnections, ownNamespace, prepareNamespace } from "./load.mjs";
import { measure } from "./measure.mjs";

const INSIDE = "TCPSTAT_BENCH_PAIR_INSIDE";

function usage(message) {
  process.stderr.write(`bench/pair: ${message}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: { a: { type: "string" }, b: { type: "string" }, conns: { type: "string", default: "500" }, rounds: { type: "string", default: "51" } },
  }));
} catch (error) {
  usage(`${error.message}; options: --a CMD --b CMD [--conns N] [--rounds N]`);
}
if (!values.a || !values.b) usage("give both commands: --a 'node old/bin/tcpstat.cjs -t' --b 'node bin/tcpstat.cjs -t'");
const conns = Number(values.conns);
const rounds = Number(values.rounds);
if (!Number.isInteger(conns) || conns < 1 || !Number.isInteger(rounds) || rounds < 1) usage("--conns and --rounds take whole numbers from 1");

ownNamespace(import.meta.url, INSIDE, usage);

prepareNamespace();
const load = await holdConnections(conns);
const argv = { a: values.a.trim().split(/\s+/), b: values.b.trim().split(/\s+/) };
const times = { a: [], b: [] };
const diffs = [];
try {
  // Two rounds of warm-up: caches (the page cache, tcpstat's code cache) filled for both.
  for (let round = -2; round < rounds; round++) {
    const order = round % 2 === 0 ? ["a", "b"] : ["b", "a"];
    const ms = {};
    for (const which of order) {
      const result = measure(argv[which]);
      if (result.error) throw new Error(result.error);
      ms[which] = result.ms;
    }
    if (round < 0) continue;
    times.a.push(ms.a);
    times.b.push(ms.b);
    diffs.push(ms.b - ms.a);
  }
} catch (error) {
  load.stop();
  process.stderr.write(`bench/pair: ${error.message}\n`);
  process.exit(1);
}
load.stop();

const quantile = (xs, q) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const ms = (x) => `${x.toFixed(1)} ms`;
process.stdout.write(
  [
    `${conns} connections, ${rounds} rounds (+2 warm-up), each round both commands back to back, order alternating`,
    `A: ${values.a}: median ${ms(quantile(times.a, 0.5))}`,
    `B: ${values.b}: median ${ms(quantile(times.b, 0.5))}`,
    `B - A: median ${ms(quantile(diffs, 0.5))}, quartiles ${ms(quantile(diffs, 0.25))} to ${ms(quantile(diffs, 0.75))}`,
  ].join("\n") + "\n",
);
