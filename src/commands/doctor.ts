import { Command } from "commander";
import { z } from "zod";
import { EXIT, TcpstatError, usageError } from "../errors.js";
import { stdoutChalk, writeChunks } from "../io.js";
import type { DoctorReport } from "../model/report.js";
import { THRESHOLDS, parseThresholds } from "../knowledge/thresholds.js";
import type { SocketReport } from "../index.js";
import { collectSockets } from "../sources/index.js";
import { reportProblems } from "./problems.js";
import { addSourceOptions, loadReport, type SourceFlags } from "./list.js";
import { toJson } from "../lib/safe-text.js";

interface DoctorFlags extends SourceFlags {
  interval?: string;
  threshold?: string[];
  json?: boolean;
  color?: boolean;
}

const Seconds = z.coerce.number().finite().min(0).max(300);
const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerDoctor(program: Command): void {
  const cmd = new Command("doctor")
    .description(`look for socket trouble (CLOSE_WAIT leaks, TIME_WAIT churn, SYN floods, full accept queues, ...); exit ${EXIT.findings} when something is found`)
    .option("-i, --interval <seconds>", "seconds between the two readings of the kernel counters (default 1; 0 skips rising-counter checks)")
    .option("--threshold <name=value>", "change a threshold, e.g. close-wait=50 (repeatable; see `tcpstat doctor --help`)", collect)
    .option("--json", "findings as one JSON object")
    .option("--color", "force colour")
    .option("--no-color", "never colour");
  addSourceOptions(cmd)
    .addHelpText("after", thresholdHelp)
    .action((flags: DoctorFlags) => runDoctor(flags));
  program.addCommand(cmd);
}

function thresholdHelp(): string {
  const rows = Object.entries(THRESHOLDS).map(([name, t]) => `  ${`${name}=${t.value}`.padEnd(22)}${t.help}`);
  return `\nThresholds (--threshold NAME=VALUE), with their defaults:\n${rows.join("\n")}\n\nExit status: 0 no problems, ${EXIT.findings} problems found, 1 failure, 2 usage error.\n`;
}

/**
 * /proc/net/tcp shows 0 as a listener's Send-Q; ss reads the real backlog over netlink.
 * Asked only when some listener has connections waiting, and only from the live procfs source.
 */
async function listenBacklogs(report: SocketReport, notes: string[]): Promise<Map<string, number> | undefined> {
  const waiting = report.records.some((r) => r.state === "LISTEN" && (r.recvQ ?? 0) > 0 && (r.sendQ ?? 0) === 0);
  if (!waiting || report.source !== "procfs") return undefined;
  const { backlogKey } = await import("../knowledge/diagnose.js");
  try {
    const ss = await collectSockets({ source: "linux-ss", protos: ["tcp"], families: ["ipv4", "ipv6"], owners: false });
    const map = new Map<string, number>();
    for (const r of ss.records) if (r.state === "LISTEN" && r.sendQ !== null) map.set(backlogKey(r.localAddress, r.localPort), r.sendQ);
    return map;
  } catch (error) {
    notes.push(`listen backlogs unknown (${(error as Error).message}); full accept queues judged by waiting connections and overflows`);
    return undefined;
  }
}

const NO_SYSCTLS = {
  localPortRange: null,
  finTimeout: null,
  somaxconn: null,
  maxSynBacklog: null,
  synackRetries: null,
  syncookies: null,
  maxTwBuckets: null,
  twReuse: null,
};

export async function runDoctor(flags: DoctorFlags): Promise<void> {
  const thresholds = parseThresholds(flags.threshold);
  const parsed = Seconds.safeParse(flags.interval ?? 1);
  if (!parsed.success) throw usageError(`bad interval '${flags.interval}' for --interval`, "give seconds between 0 and 300, e.g. --interval 2");
  const seconds = parsed.data;
  const { readKernelCounters, readNetSysctls } = await import("../sources/linux-procfs/read-counters.js");
  const { diagnose } = await import("../knowledge/diagnose.js");

  const notes: string[] = [];
  // A capture (--input) or another namespace (--netns) is not where this process's /proc/net
  // counters and sysctls come from: judge the sockets alone rather than mix two machines.
  const elsewhere = flags.input !== undefined ? "--input" : flags.netns !== undefined ? "--netns" : null;
  if (elsewhere) notes.push(`kernel counters and sysctls skipped with ${elsewhere}: they would describe this namespace, not the sockets read`);
  const readCounters = () => {
    if (elsewhere) return null;
    try {
      const reading = readKernelCounters();
      if (!flags.quiet) reportProblems(reading.problems);
      return reading;
    } catch (error) {
      notes.push(`kernel counter checks skipped: ${(error as Error).message}`);
      return null;
    }
  };
  const before = readCounters();
  const started = Date.now();
  const report = await loadReport({ ...flags, tcp: true, udp: false }, { owners: flags.owners !== false });
  let after = before;
  if (before && seconds > 0) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + seconds * 1000 - Date.now())));
    after = readCounters();
  } else if (before) notes.push("--interval 0: counters read once, rising-counter checks skipped");
  if (!before || !after) after = null;
  const interval = before && after ? Math.round((after.readAt - before.readAt) / 100) / 10 : 0;
  if (report.records.length === 0 && report.problems.length > 0)
    throw new TcpstatError("no socket could be read", "see the unreadable lines reported above");

  const backlogs = await listenBacklogs(report, notes);
  const findings = diagnose({
    backlogs,
    records: report.records,
    before: before?.counters ?? null,
    after: after?.counters ?? null,
    intervalSeconds: interval,
    sysctls: elsewhere ? NO_SYSCTLS : readNetSysctls(),
    thresholds,
  });
  const doctor: DoctorReport = {
    time: new Date().toISOString(),
    healthy: findings.length === 0,
    sockets: report.records.length,
    intervalSeconds: interval,
    thresholds,
    findings,
    notes,
  };
  if (flags.json) await writeChunks([`${toJson(doctor, 2)}\n`]);
  else {
    const { renderDoctor } = await import("../format/doctor.js");
    const chalk = await stdoutChalk(flags.color);
    await writeChunks([renderDoctor(doctor, chalk)]);
  }
  if (findings.length > 0) process.exitCode = EXIT.findings;
}
