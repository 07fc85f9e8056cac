import { Command } from "commander";
import { z } from "zod";
import { EXIT, TcpstatError, usageError } from "../errors.js";
import { stdoutChalk, writeChunks } from "../io.js";
import type { DoctorReport, Finding } from "../model/report.js";
import type { NetnsTag, SocketRecord } from "../model/socket.js";
import type { CounterReading, NetSysctls } from "../model/counters.js";
import { THRESHOLDS, parseThresholds } from "../knowledge/thresholds.js";
import { loadReport } from "../load/load-report.js";
import { reportProblems, sayRemarks } from "../load/remarks.js";
import { addSourceOptions, type SourceFlags } from "../load/source-options.js";
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
  addSourceOptions(cmd, { protos: "tcp-only", habits: false })
    .addHelpText("after", thresholdHelp)
    .action((flags: DoctorFlags) => runDoctor(flags));
  program.addCommand(cmd);
}

function thresholdHelp(): string {
  const rows = Object.entries(THRESHOLDS).map(([name, t]) => `  ${`${name}=${t.value}`.padEnd(22)}${t.help}`);
  return `\nThresholds (--threshold NAME=VALUE), with their defaults:\n${rows.join("\n")}\n\nExit status: 0 no problems, ${EXIT.findings} problems found, 1 failure, 2 usage error.\n`;
}

/** One namespace's sockets, and where to read its counters, sysctls and backlogs. */
interface Place {
  /** The namespace, when -N chose one or several (findings then name it). */
  tag?: NetnsTag;
  /** What to enter to run ss and read sysctls there; null: this process's own namespace. */
  nsFile: string | null;
  /** Reads /proc/net/snmp and netstat of the namespace; null when they cannot be read. */
  counters: () => Promise<CounterReading | null>;
  records: SocketRecord[];
}

/**
 * /proc/net/tcp shows 0 as a listener's Send-Q; ss reads the real backlog over netlink, run in
 * the namespace inspected. Asked only when some listener has connections waiting.
 */
async function listenBacklogs(place: Place, notes: string[], label: string): Promise<{ map?: Map<string, number>; unknown?: string }> {
  const waiting = place.records.some((r) => r.state === "LISTEN" && (r.recvQ ?? 0) > 0 && (r.sendQ ?? 0) === 0);
  if (!waiting) return {};
  const { backlogKey } = await import("../knowledge/diagnose.js");
  const { readBacklogs } = await import("../sources/linux-procfs/in-namespace.js");
  try {
    return { map: await readBacklogs(place.nsFile, backlogKey) };
  } catch (error) {
    const why = error instanceof TcpstatError && error.hint ? `${error.message}; ${error.hint}` : (error as Error).message;
    notes.push(`listen backlogs${label} unknown (${why}); full accept queues judged by waiting connections and overflows`);
    return { unknown: why };
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

/**
 * The namespaces read, each analysed apart: two namespaces' TIME_WAIT toward their own
 * 127.0.0.1:18081 are two services, never one sum. Without -N, one place: this namespace.
 */
async function placesOf(flags: DoctorFlags, records: SocketRecord[], readKernelCounters: (procDir?: string) => CounterReading): Promise<Place[]> {
  if (flags.netns === undefined) return [{ nsFile: null, counters: async () => readKernelCounters(), records }];
  const { resolveNetns, readInNamespace, netnsTag } = await import("../sources/linux-procfs/netns.js");
  const places: Place[] = [];
  for (const ns of resolveNetns(flags.netns)) {
    const mine = records.filter((r) => r.netns?.inode === ns.inode);
    // -N all: namespaces without a socket read have nothing to judge.
    if (mine.length === 0 && flags.netns.trim() === "all") continue;
    places.push({
      tag: netnsTag(ns),
      nsFile: ns.path ?? (ns.pids[0] === undefined ? null : `/proc/${ns.pids[0]}/ns/net`),
      counters: () => readInNamespace(ns, "/proc", (pidDir) => readKernelCounters(pidDir)),
      records: mine,
    });
  }
  return places;
}

export async function runDoctor(flags: DoctorFlags): Promise<void> {
  const thresholds = parseThresholds(flags.threshold);
  const parsed = Seconds.safeParse(flags.interval ?? 1);
  if (!parsed.success) throw usageError(`bad interval '${flags.interval}' for --interval`, "give seconds between 0 and 300, e.g. --interval 2");
  const seconds = parsed.data;
  const { readKernelCounters } = await import("../sources/linux-procfs/read-counters.js");
  const { readSysctlsIn } = await import("../sources/linux-procfs/in-namespace.js");
  const { diagnose } = await import("../knowledge/diagnose.js");
  const { netnsLabel } = await import("../sources/linux-procfs/netns.js");

  const notes: string[] = [];
  // A capture (--input) is not where this machine's counters and sysctls come from: judge the sockets alone.
  const replay = flags.input !== undefined;
  if (replay) notes.push("kernel counters and sysctls skipped with --input: they would describe this machine, not the capture");
  const report = await loadReport({ ...flags, tcp: true, udp: false }, { owners: flags.owners !== false, exposure: true });
  // The exposed-service rule names the holder's container and unit: read for those listeners only.
  if (!replay && flags.owners !== false) {
    const { isExposedService } = await import("../knowledge/exposed-services.js");
    const exposed = report.records.filter(isExposedService);
    if (exposed.length > 0) {
      const notices: string[] = [];
      const { addWho, WhoReader } = await import("../sources/who/read-who.js");
      await addWho(exposed, notices, new WhoReader("/proc", "cgroup"));
      sayRemarks({ notices, problems: [] }, flags.quiet);
    }
  }
  if (report.records.length === 0 && report.problems.length > 0)
    throw new TcpstatError("no socket could be read", "see the unreadable lines reported above");
  const places = await placesOf(flags, report.records, readKernelCounters);
  const several = flags.netns !== undefined;
  const label = (p: Place) => (several && p.tag ? ` in ${netnsLabel(p.tag)}` : "");

  const readCounters = async (p: Place) => {
    if (replay) return null;
    try {
      const reading = await p.counters();
      if (reading === null) throw new Error("no process inside could be read");
      if (!flags.quiet) reportProblems(reading.problems);
      return reading;
    } catch (error) {
      notes.push(`kernel counter checks${label(p)} skipped: ${(error as Error).message}`);
      return null;
    }
  };
  const started = Date.now();
  const before = await Promise.all(places.map(readCounters));
  let after = before;
  const counted = before.some((b) => b !== null);
  if (counted && seconds > 0) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + seconds * 1000 - Date.now())));
    after = await Promise.all(places.map((p, i) => (before[i] ? readCounters(p) : Promise.resolve(null))));
  } else if (counted) notes.push("--interval 0: counters read once, rising-counter checks skipped");
  let interval = 0;
  const findings: Finding[] = [];
  for (const [i, place] of places.entries()) {
    const b = before[i] ?? null;
    const a = b && seconds > 0 ? (after[i] ?? null) : b;
    if (b && a) interval = Math.max(interval, Math.round((a.readAt - b.readAt) / 100) / 10);
    const backlogs = replay ? {} : await listenBacklogs(place, notes, label(place));
    let sysctls: NetSysctls = NO_SYSCTLS;
    if (!replay)
      try {
        sysctls = await readSysctlsIn(place.nsFile);
      } catch (error) {
        notes.push(`sysctls${label(place)} unknown: ${(error as Error).message}`);
      }
    const found = diagnose({
      backlogs: backlogs.map,
      backlogUnknown: backlogs.unknown,
      records: place.records,
      before: b?.counters ?? null,
      after: a?.counters ?? null,
      intervalSeconds: b && a ? Math.round((a.readAt - b.readAt) / 100) / 10 : 0,
      sysctls,
      thresholds,
    });
    for (const f of found) findings.push(place.tag ? { ...f, netns: place.tag } : f);
  }
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
