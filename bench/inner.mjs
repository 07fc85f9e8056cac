// One benchmark size, run by bench/run.mjs inside a fresh network namespace (`unshare -n`):
// fills the namespace with connections, then times every command of the suite, alternating
// them round by round. Prints one JSON object on stdout; progress goes to stderr.
//
//   unshare -n node bench/inner.mjs --conns 50000 --rounds 5 --warmup 1
import { parseArgs } from "node:util";
import { countTcpSockets, holdConnections, prepareNamespace } from "./load.mjs";
import { measure } from "./measure.mjs";
import { suite } from "./suite.mjs";

const { values } = parseArgs({
  options: {
    conns: { type: "string" },
    rounds: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    only: { type: "string" },
  },
});
const conns = Number(values.conns);
const rounds = Number(values.rounds);
const warmup = Number(values.warmup);
const say = (line) => process.stderr.write(`bench [${conns} conns]: ${line}\n`);

prepareNamespace();
const commands = suite(values.only);
const started = Date.now();
const load = await holdConnections(conns);
const sockets = countTcpSockets();
say(`${sockets} TCP sockets held by ${load.processes} process(es), set up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

const results = Object.fromEntries(commands.map((c) => [c.name, { owners: c.owners, ms: [], rssKb: [], errors: [] }]));
try {
  for (let round = -warmup; round < rounds; round++) {
    // Alternate: every round runs each command once, starting one further along each time,
    // so a slow spell on the machine is shared out instead of landing on one command.
    const offset = ((round % commands.length) + commands.length) % commands.length;
    for (let k = 0; k < commands.length; k++) {
      const command = commands[(k + offset) % commands.length];
      const result = measure(command.argv);
      const slot = results[command.name];
      if (result.error) slot.errors.push(result.error);
      else if (round >= 0) {
        slot.ms.push(result.ms);
        slot.rssKb.push(result.rssKb);
      }
    }
    say(round < 0 ? "warm-up done" : `round ${round + 1}/${rounds} done`);
  }
} finally {
  load.stop();
}
process.stdout.write(`${JSON.stringify({ conns, sockets, processes: load.processes, results })}\n`);
