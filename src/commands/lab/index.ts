import { Command } from "commander";
import { EXIT, TcpstatError, usageError } from "../../errors.js";
import { stdoutChalk, writeChunks, writeError } from "../../io.js";
import { nearest } from "../../lib/suggest.js";
import type { SocketRecord } from "../../model/socket.js";
import { TraceObserver } from "./observe.js";
import { Lab, labPorts } from "./runner.js";
import { SCENARIOS, type Scenario } from "./scenarios.js";

interface LabFlags {
  color?: boolean;
}

export function registerLab(program: Command): void {
  const cmd = new Command("lab")
    .description("run a classic TCP experiment for real in a private network namespace (root), narrated step by step; without SCENARIO, list them")
    .argument("[scenario]", SCENARIOS.map((s) => s.name).join(", "))
    .option("--color", "force colour")
    .option("--no-color", "never colour");
  cmd.action((name: string | undefined, flags: LabFlags) => runLab(name, flags));
  program.addCommand(cmd);
}

/** The scenarios, one a line: `tcpstat lab` with no scenario. */
function listScenarios(): string {
  const width = Math.max(...SCENARIOS.map((s) => s.name.length));
  return `${SCENARIOS.map((s) => `${s.name.padEnd(width)}  ${s.summary}`).join("\n")}\n\nRun one with \`sudo tcpstat lab SCENARIO\`, e.g. \`sudo tcpstat lab server-ctrl-c\`.\n`;
}

function scenarioNamed(name: string): Scenario {
  const found = SCENARIOS.find((s) => s.name === name.toLowerCase());
  if (found) return found;
  const names = SCENARIOS.map((s) => s.name);
  const guess = nearest(name, names);
  throw usageError(`unknown lab scenario '${name}'${guess ? ` (did you mean ${guess}?)` : ""}`, `choose one of: ${names.join(", ")}`);
}

export async function runLab(name: string | undefined, flags: LabFlags): Promise<void> {
  if (name === undefined) return writeChunks([listScenarios()]);
  const scenario = scenarioNamed(name);
  if (process.platform !== "linux") throw new TcpstatError("lab runs on Linux only: it needs network namespaces", "run it on a Linux machine");
  if (process.getuid?.() !== 0) throw new TcpstatError("lab needs root: it creates a private network namespace", `run it as root: sudo tcpstat lab ${scenario.name}`);
  const chalk = await stdoutChalk(flags.color);
  const width = Math.min(process.stdout.columns || 100, 120);
  const { createLabNetns } = await import("../../lib/lab-netns.js");
  const { collectReport } = await import("../../load/collect-report.js");
  const ns = await createLabNetns();
  // Whatever ends the run, nothing of the lab outlives it: a signal cleans up and exits with
  // 128+N, an exit of any other kind (a closed output pipe) kills what is left at once.
  let observer: TraceObserver | undefined;
  const onExit = () => ns.killNow();
  process.on("exit", onExit);
  let stopping = false;
  const stop = (code: number) => () => {
    if (stopping) return;
    stopping = true;
    observer?.stop();
    void ns.close().finally(() => process.exit(code));
  };
  const onInt = stop(EXIT.interrupted);
  const onTerm = stop(EXIT.terminated);
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    const list = async (owners: boolean): Promise<SocketRecord[]> =>
      (await collectReport({ netns: String(ns.pid), owners, protos: ["tcp"] })).records;
    // The tracepoint gives every change; without tracefs, listings compared every 20 ms (said on stderr).
    // Each step is printed after it ends: events wait 100 ms for late ones of other CPUs, so the order holds.
    const { startTrace } = await import("../../trace.js");
    observer = new TraceObserver(await startTrace({ netns: String(ns.pid), sampleHz: 50, holdMs: 100 }));
    if (observer.session.fallbackReason)
      writeError(`tcpstat: lab: transitions sampled from listings every ${observer.session.sampleIntervalMs} ms, short states missed: no trace: ${observer.session.fallbackReason}`);
    const [server, client] = await Promise.all([ns.actor("lab-server"), ns.actor("lab-client")]);
    const write = (text: string) => writeChunks([text]);
    const { port, closedPort } = labPorts();
    await write(
      chalk.bold(`tcpstat lab ${scenario.name}: ${scenario.summary}\n`) +
        chalk.dim(`A private network namespace (${ns.id}, held by pid ${ns.pid}); server lab-server pid ${server.pid} (port ${port}), client lab-client pid ${client.pid}.\n`),
    );
    const lab = new Lab(port, closedPort, ns, server, client, observer, list, { chalk, width, write }, scenario.steps);
    await scenario.run(lab);
    observer.stop();
    await ns.close();
    await write(`\n${chalk.dim("Done: the namespace and its processes are gone.")}\n`);
  } finally {
    observer?.stop();
    await ns.close();
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    process.off("exit", onExit);
  }
}

