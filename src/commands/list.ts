import type { Command } from "commander";
import { usageError } from "../errors.js";
import { LIST_FORMATS, type ListFormat, type RecordWriter, type RenderContext } from "../format/index.js";
import { filterNeedsOwners, makeEarlyPredicate, makePredicate, type SocketFilter } from "../lib/filter.js";
import { withHeapGrowing } from "../lib/heap-growing.js";
import { nearest } from "../lib/suggest.js";
import type { SocketRecord, TcpInfo } from "../model/socket.js";
import { openStream, stdoutChalk, writeChunks, type OutputStream } from "../io.js";
import { loadReport } from "../load/load-report.js";
import { sayRemarks } from "../load/remarks.js";
import { toSocketFilter } from "../load/socket-filter.js";
import { addSourceOptions, type SourceFlags } from "../load/source-options.js";
import { addWatchOptions, type WatchFlags } from "./watch-options.js";

export interface ListFlags extends SourceFlags, WatchFlags {
  json?: boolean;
  ndjson?: boolean;
  format?: string;
  timers?: boolean;
  color?: boolean;
  exposure?: boolean;
  who?: boolean;
  info?: boolean;
  extended?: boolean;
  memory?: boolean;
  summary?: boolean;
  raw?: boolean;
  unix?: boolean;
  /** false with -H/--no-header. */
  header?: boolean;
  kill?: boolean;
  yes?: boolean;
  resolve?: boolean;
}

export function addListOptions(cmd: Command): Command {
  return addWatchOptions(addSourceOptions(cmd, { habits: true }))
    .option("-o, --timers", "show the timer column, like netstat -o")
    .option("--who", "each holder fully: Unit, Container and Command columns; command line, parent, start time, unit, container in the JSON")
    .option("--exposure", "show what each listener answers on (loopback, all, all-ipv6, private, public); on with -l")
    .option("-i, --info", "TCP internals (tcp_info, as ss -ti): RTT, Cwnd, Retrans, Sent, Recv, Idle columns; every field in JSON")
    .option("-e, --extended", "Uid, Inode and the kernel's socket cookie (ss -e's sk:) columns; cookie in JSON")
    .option("-m, --memory", "socket memory (ss -m's skmem): Rmem/Rbuf, Wmem/Sbuf, Drops columns; memory in JSON")
    .option("-H, --no-header", "no header line, as ss -H (the table)")
    .option("-s, --summary", "counts by state and protocol, as ss -s (tcpstat summary); the kernel's counters: tcpstat stats")
    .option("-w, --raw", "raw sockets (/proc/net/raw, raw6), as ss -w: the IP protocol in the port's place; -tw: with TCP")
    .option("-x, --unix", "unix domain sockets (/proc/net/unix), as ss -x: type, name, inode, peer and its process (peers need ss)")

    .option("-r, --resolve", "host names for addresses and service names for ports (hosts file, then DNS: 1 s a lookup, 2 s in all)")
    .option("-K, --kill", "close the selected connections, as ss -K (root; needs a filter; asks on a terminal)")
    .option("--yes", "with -K: close without asking (scripts)")
    .option("--json", "one JSON array of records")
    .option("--ndjson", "one JSON record a line")
    .option("--format <name>", `output format: ${Object.keys(LIST_FORMATS).join(", ")}`)
    .option("--color", "force colour")
    .option("--no-color", "never colour");
}

function chooseFormat(flags: Pick<ListFlags, "json" | "ndjson" | "format">): string {
  const chosen = [flags.json && "json", flags.ndjson && "ndjson", flags.format].filter(Boolean) as string[];
  if (new Set(chosen).size > 1) throw usageError(`conflicting formats: ${chosen.join(", ")}`, "choose one of --json, --ndjson, --format");
  const name = chosen[0] ?? "table";
  if (!LIST_FORMATS[name]) {
    const guess = nearest(name, Object.keys(LIST_FORMATS));
    throw usageError(`unknown format '${name}'${guess ? ` (did you mean ${guess}?)` : ""}`, `choose one of: ${Object.keys(LIST_FORMATS).join(", ")}`);
  }
  return name;
}

export async function runList(flags: ListFlags): Promise<void> {
  const kind = kindFlag(flags);
  // -K closes TCP and UDP sockets (SOCK_DESTROY); -r names IP addresses: neither is built for these.
  if (kind && (flags.kill || flags.resolve))
    throw usageError(`${flags.kill ? "-K/--kill" : "-r/--resolve"} does not apply to ${kind}`, `drop ${kind.slice(0, 2)}, or run ${flags.kill ? "-K" : "-r"} apart`);
  if (flags.kill) return (await import("./kill.js")).runKill(flags);
  if (flags.yes) throw usageError("--yes answers -K's question; without -K nothing is asked", "drop --yes, or add -K");
  const name = chooseFormat(flags);
  if (flags.header === false && (name !== "table" || flags.watch !== undefined || flags.count !== undefined))
    throw usageError(`-H/--no-header leaves out the table's header line; it does not apply to ${name !== "table" ? `--format ${name}` : "--watch"}`, "drop -H");
  if (flags.raw || flags.unix) return runListKinds(flags, name);
  // Metrics also carry kernel counters and the collection time: `tcpstat metrics` makes them.
  if (name === "prometheus") return (await import("./metrics.js")).runMetrics(flags);
  // What a listener answers on: a column with -l, --exposure or --exposed, a field in the JSON.
  const exposure = Boolean(flags.exposure || flags.listening || flags.exposed);
  // --container and --unit imply --who: the listing shows what they matched.
  const who = Boolean(flags.who || flags.container || flags.unit);
  if (flags.info || flags.extended || flags.memory || flags.resolve) return runListDetailed(flags, name, { exposure, who });
  if (flags.watch !== undefined || flags.count !== undefined) {
    // Built once, at the first frame (where its usage errors have always been said), for every frame.
    let filter: SocketFilter | undefined;
    const read = (frame: number) => loadReport({ ...flags, quiet: flags.quiet || frame > 0 }, { exposure, who }, (filter ??= toSocketFilter(flags)));
    return (await import("./watch.js")).runListWatch(flags, name, read);
  }
  const format = LIST_FORMATS[name]!;
  // A capture may hold a million sockets: NDJSON is written as it is read (bounded memory).
  if (flags.input !== undefined && name === "ndjson" && !exposure && !who) return runCaptureNdjson(flags);
  if (flags.owners === false && flags.input === undefined && !exposure && !who && !flags.container && !flags.unit) {
    // JSON and NDJSON print each record by itself (no sorting, no column widths): written as
    // the tables are read (src/format/json-stream.ts), 100k records never held (BENCHMARKS.md).
    if (format.open) return runListStreamed(flags, name);
    // The table is gathered as the tables are read (held: numbers, not records).
    if (format.gather && flags.netns === undefined) return runTableGathered(flags, format.gather);
  }
  const report = await loadReport(flags, { exposure, who });
  await writeFormat(name, report.records, async () => ({ chalk: await stdoutChalk(flags.color), timers: Boolean(flags.timers), header: flags.header !== false }));
}

/**
 * Records gathered, in the format named: written one by one where the format can (JSON,
 * NDJSON), else rendered whole. `ctx` is asked for only by a format that renders (the
 * colours are chosen then). `each` and `written`: see writeRecordsStreamed.
 */
async function writeFormat(
  name: string,
  records: readonly SocketRecord[],
  ctx: () => Promise<RenderContext>,
  each?: (r: SocketRecord) => SocketRecord,
  written?: (r: SocketRecord) => void,
): Promise<void> {
  const format = LIST_FORMATS[name]!;
  if (format.open) return writeRecordsStreamed(records, name, each, written);
  if (each) for (const r of records) each(r);
  await writeChunks(format.render!(records as SocketRecord[], await ctx()));
}

/**
 * V8's heap growing factor while -i, -e or -m gather and write their records with owners
 * (lib/heap-growing.ts): their holders, the records or rows and ss's store are held while the
 * table's cells or the JSON are made, and V8's own factor let that garbage take the peak past
 * 200 MB at 100k sockets at times (BENCHMARKS.md, issue 18, sixth pass).
 */
const INFO_HEAP_GROWING_PERCENT = 20;

/** Records between two looks at the reader of the output. */
const BATCH = 256;

/**
 * JSON and NDJSON of records already gathered (with owners, or replayed): each record's text
 * goes straight into the output buffer, where chunks of them joined into strings were garbage
 * enough at 100k sockets to grow the heap (BENCHMARKS.md, sixth pass).
 */
function writeRecordsStreamed(
  records: readonly SocketRecord[],
  name: string,
  each?: (r: SocketRecord) => SocketRecord,
  written?: (r: SocketRecord) => void,
): Promise<void> {
  return writeRecords(name, async (json, out) => {
    for (const [i, r] of records.entries()) {
      json.record(each ? each(r) : r);
      written?.(r);
      if (i % BATCH === BATCH - 1) {
        const behind = out.drained();
        if (behind) await behind;
      }
    }
  });
}

/**
 * -i/--info: the records gathered as usual while ss runs beside them, then each TCP record
 * given its tcp_info by inode (null where the kernel gives none: UDP, TIME_WAIT).
 */
async function runListDetailed(flags: ListFlags, name: string, enrich: { exposure: boolean; who: boolean }): Promise<void> {
  const kernel = flags.info || flags.extended || flags.memory;
  const flag = flags.info ? "-i/--info" : flags.extended ? "-e/--extended" : flags.memory ? "-m/--memory" : "-r/--resolve";
  if (kernel && process.platform !== "linux") throw usageError(`${flag} reads Linux's socket diagnostics`, "run it on Linux, or use ss -tie / netstat there");
  if (flags.input !== undefined)
    throw usageError(kernel ? `${flag} reads this machine's kernel; it cannot apply to --input` : "-r/--resolve names this machine's view of addresses; it cannot apply to --input", `drop ${flag.slice(0, 2)}, or run it live`);
  if (kernel && flags.netns !== undefined) throw usageError(`${flag} reads this namespace's kernel; it cannot apply to --netns`, `run it inside the namespace: ip netns exec NAME tcpstat ${flag.slice(0, 2)}`);
  if (flags.watch !== undefined || flags.count !== undefined) throw usageError(`${flag} does not go with --watch`, `run tcpstat ${flag.slice(0, 2)} again`);
  // -i alone, as a table: gathered into GatheredTable (as the listing without owners is), no record kept.
  if (flags.info && !flags.extended && !flags.memory && !flags.resolve && !enrich.exposure && !enrich.who && name === "table") return runInfoTable(flags);
  if (kernel) await withHeapGrowing(INFO_HEAP_GROWING_PERCENT, () => writeDetailed(flags, name, enrich, true));
  else await writeDetailed(flags, name, enrich, false);
}

/** runListDetailed's records, with the details asked for, in the format named (`kernel`: -i, -e or -m). */
async function writeDetailed(flags: ListFlags, name: string, enrich: { exposure: boolean; who: boolean }, kernel: boolean): Promise<void> {
  const { collectTcpInfo, collectSsExtras } = await import("../sources/linux-ss/collect-info.js");
  const extras = flags.extended || flags.memory ? collectSsExtras({ memory: Boolean(flags.memory) }) : undefined;
  const [info, more, report] = await Promise.all([flags.info ? collectTcpInfo() : undefined, extras, loadReport(flags, enrich)]);
  sayRemarks({ notices: [...(info?.notices ?? []), ...(more?.notices ?? [])], problems: info?.problems ?? [] }, flags.quiet);
  const detail = (r: SocketRecord) => {
    if (more && flags.extended) r.cookie = r.inode ? (more.cookies.get(r.inode) ?? null) : null;
    if (more && flags.memory) r.memory = r.inode ? (more.memory.get(r.inode) ?? null) : null;
    if (info) r.tcpInfo = r.proto === "tcp" && r.inode !== null ? (info.byInode.get(r.inode) ?? null) : null;
    return r;
  };
  let records: SocketRecord[] = report.records;
  if (flags.resolve) {
    const resolved = await (await import("../lib/resolve-names.js")).resolveNames(records);
    sayRemarks({ notices: resolved.notices, problems: [] }, flags.quiet);
    records = resolved.records;
  }
  // JSON: each record's details made as it is written and let go once written (tcp_info
  // objects held at once at 100k sockets: BENCHMARKS.md, issue 15); the table needs them all.
  const forget = (r: SocketRecord) => {
    if (r.tcpInfo) r.tcpInfo = undefined;
  };
  // The table needs every record's details at once: given in place, not copied (100k of them).
  const options = async () => ({
    chalk: await stdoutChalk(flags.color),
    timers: Boolean(flags.timers),
    info: Boolean(flags.info),
    extended: Boolean(flags.extended),
    memory: Boolean(flags.memory),
    names: Boolean(flags.resolve),
    header: flags.header !== false,
  });
  await writeFormat(name, records, options, kernel ? detail : undefined, kernel ? forget : undefined);
}

/** "-x/--unix", "-w/--raw": the flag that asked for raw or unix sockets, for the lines refusing it. */
export function kindFlag(flags: Pick<ListFlags, "raw" | "unix">): string | undefined {
  return flags.unix ? "-x/--unix" : flags.raw ? "-w/--raw" : undefined;
}

/**
 * -w/--raw and -x/--unix: the listing only, read from this machine's /proc (the peers of unix
 * sockets through ss). What counts, watches or replays sockets deals in TCP and UDP: refused
 * there with one line naming the flag, rather than showing raw or unix sockets wrongly.
 */
function checkKinds(flags: ListFlags, name: string): string {
  const flag = kindFlag(flags)!;
  const refuse = (what: string, hint: string) => usageError(`${flag} does not apply to ${what}`, hint);
  if (name === "prometheus") throw refuse("--format prometheus (its metrics count TCP and UDP sockets)", `drop ${flag.slice(0, 2)}, or list them: tcpstat ${flag.slice(0, 2)} --json`);
  if (flags.watch !== undefined || flags.count !== undefined) throw refuse("--watch", `run tcpstat ${flag.slice(0, 2)} again`);
  const who = flags.who ? "--who" : flags.container ? "--container" : flags.unit ? "--unit" : flags.exposure ? "--exposure" : flags.exposed ? "--exposed" : undefined;
  if (who) throw refuse(who, `list them apart: tcpstat ${flag.slice(0, 2)}`);
  if (flags.info || flags.extended || flags.memory) throw refuse(flags.info ? "-i/--info" : flags.extended ? "-e/--extended" : "-m/--memory", `list them apart: tcpstat ${flag.slice(0, 2)}`);
  if (process.platform !== "linux") throw usageError(`${flag} reads Linux's /proc/net`, "run it on Linux, or use ss -x / ss -w there");
  if (flags.input !== undefined) throw refuse("--input (replayed captures are read as TCP and UDP)", `drop ${flag.slice(0, 2)}, or run it live`);
  if (flags.netns !== undefined) throw refuse("--netns", `run it inside the namespace: ip netns exec NAME tcpstat ${flag.slice(0, 2)}`);
  if (flags.source !== undefined && flags.source !== "procfs") throw refuse(`--source ${flags.source}`, "drop --source: raw and unix sockets are read from /proc");
  return flag;
}

/** -w/--raw, -x/--unix (with -t/-u when given): gathered whole, then the table in ss's columns or the JSON records. */
async function runListKinds(flags: ListFlags, name: string): Promise<void> {
  checkKinds(flags, name);
  const report = await loadReport(flags);
  await writeFormat(name, report.records, async () => ({ chalk: await stdoutChalk(flags.color), timers: Boolean(flags.timers), header: flags.header !== false, netid: true }));
}

/**
 * -i as a table: the sockets go into GatheredTable with their -i cells, no record and no
 * TcpInfo kept per socket (BENCHMARKS.md, issue 18). Without owners, over TCP only, both come
 * from ss's one output as ss writes it (infoRowsFromSs); else the sockets are read as the
 * listing reads them while ss runs beside, and the cells are joined by inode once ss is done.
 */
async function runInfoTable(flags: ListFlags): Promise<void> {
  const [{ collectTcpInfo, hasSs }, { INFO_COLUMNS, INFO_COLUMN_FIELDS }] = await Promise.all([import("../sources/linux-ss/collect-info.js"), import("../format/table.js")]);
  // One array for every socket's cells: the table copies them.
  const made: string[] = [];
  const cells = (info: TcpInfo | null) => {
    for (let c = 0; c < INFO_COLUMNS.length; c++) made[c] = INFO_COLUMNS[c]![1](info);
    return made;
  };
  const table = await LIST_FORMATS.table!.gather!(Boolean(flags.timers), undefined, { heads: INFO_COLUMNS.map(([head]) => head) });
  const filter = ssRowsApply(flags) ? toSocketFilter(flags) : undefined;
  if (filter && filter.protos.length === 1 && filter.protos[0] === "tcp" && !filterNeedsOwners(filter) && hasSs()) {
    await infoRowsFromSs(flags, filter, table, cells);
    return writeSocketTable(table, flags);
  }
  await withHeapGrowing(INFO_HEAP_GROWING_PERCENT, async () => {
    // ss's store keeps only what the columns show (a third of its memory at 100k sockets).
    const [info] = await Promise.all([collectTcpInfo({ fields: INFO_COLUMN_FIELDS }), loadReport(flags, { onRecord: (r) => table.record(r), onRow: (row) => table.row(row) }, filter)]);
    sayRemarks({ notices: info.notices, problems: info.problems }, flags.quiet);
    table.fillTail((inode, proto) => cells(proto === "tcp" && inode > 0 ? (info.byInode.get(inode) ?? null) : null));
    await writeSocketTable(table, flags);
  });
}

/**
 * Whether -i's table may come from ss alone: no owners, no timers (ss rounds them; /proc/net/tcp
 * has them to the tick), nothing that chooses another source or place, or that only the loader checks.
 */
const ssRowsApply = (flags: ListFlags) =>
  flags.owners === false && !flags.timers && flags.source === undefined && flags.netnsLimit === undefined && flags.inputFormat === undefined && flags.byteOrder === undefined;

/** -i's table rows from one `ss -tainHO` (src/sources/linux-ss/parse-ss-rows.ts), filtered as the listing filters /proc/net's rows. */
async function infoRowsFromSs(
  flags: ListFlags,
  filter: SocketFilter,
  table: import("../format/table-gathered.js").GatheredTable,
  cells: (info: TcpInfo | null) => readonly string[],
): Promise<void> {
  const [{ collectSsRows }, { commandsRun }, { takeEarlyReads }] = await Promise.all([
    import("../sources/linux-ss/collect-rows.js"),
    import("../lib/exec.js"),
    import("../sources/linux-procfs/head-start.js"),
  ]);
  // A read of /proc/net begun before the CLI loaded (src/early-read.ts) is not wanted here: stopped.
  takeEarlyReads([]);
  const { problems } = await collectSsRows({
    keepEarly: makeEarlyPredicate(filter),
    keepRow: makePredicate(filter),
    onRow: (row, info) => {
      table.row(row);
      table.tailCells(cells(info));
    },
  });
  const verbose = flags.verbose ? ["source: linux-ss", ...commandsRun().map((command) => `ran ${command}`)] : undefined;
  sayRemarks({ verbose, notices: [], problems }, flags.quiet);
}

/** A gathered table to stdout, coloured as the terminal allows, with or without its header. */
async function writeSocketTable(table: import("../format/table-gathered.js").GatheredTable, flags: ListFlags): Promise<void> {
  const chalk = await stdoutChalk(flags.color);
  const out = openStream();
  try {
    await table.writeTo(out, { chalk, header: flags.header !== false });
  } finally {
    await out.close();
  }
}

async function runTableGathered(flags: ListFlags, gather: NonNullable<ListFormat["gather"]>): Promise<void> {
  const table = await gather(Boolean(flags.timers));
  await loadReport(flags, { onRecord: (r) => table.record(r), onRow: (row) => table.row(row) });
  await writeSocketTable(table, flags);
}

function runListStreamed(flags: ListFlags, name: string): Promise<void> {
  return writeRecords(name, async (json, out) => {
    await loadReport(flags, { onRecord: (r) => json.record(r), onRow: (row) => json.row(row), pace: () => out.drained() });
  });
}

/** A format written record by record (the registry's `open`) on stdout: `fill` hands it the sockets, then it is closed. */
async function writeRecords(name: string, fill: (writer: RecordWriter, out: OutputStream) => Promise<void>): Promise<void> {
  const out = openStream();
  try {
    const writer = await LIST_FORMATS[name]!.open!(out);
    await fill(writer, out);
    writer.end();
  } finally {
    await out.close();
  }
}

/** `--ndjson --input FILE`: each chunk's records written as they are read, as the live streamed listing writes them. */
async function runCaptureNdjson(flags: ListFlags): Promise<void> {
  const [{ captureBatches, captureName }, { Remarks }] = await Promise.all([import("../load/read-capture.js"), import("../load/remarks.js")]);
  const remarks = new Remarks();
  await writeRecords("ndjson", async (json, out) => {
    for await (const batch of captureBatches(flags, toSocketFilter(flags), remarks.long)) {
      remarks.add(batch);
      for (const r of batch.records) json.record(r);
      // A slow reader of stdout holds the reading back: memory stays that of a chunk.
      await out.drained();
    }
  });
  remarks.say(captureName(flags.input as string), flags);
}
