import { EXIT, TcpstatError, usageError } from "../errors.js";
import { formatEndpoint } from "../lib/endpoint.js";
import { escapeControl } from "../lib/safe-text.js";
import type { SocketRecord } from "../model/socket.js";
import { stdoutChalk, writeChunks, writeError } from "../io.js";
import type { SourceFlags } from "../load/source-options.js";
import type { WatchFlags } from "./watch-options.js";

/**
 * -K/--kill: close the sockets the filter selects, as `ss -K` does, but never without a filter,
 * never without a yes (asked on a terminal, or --yes), and one line per socket saying whether
 * it was closed:
 *
 *   $ tcpstat -K dst 10.0.0.5 dport = :443 --yes
 *   closed  tcp 10.0.0.2:50312 10.0.0.5:443 ESTABLISHED 812/curl
 */

/** The listing's flags -K reads or refuses (the listing hands over all of its own). */
interface KillFlags extends SourceFlags, WatchFlags {
  json?: boolean;
  ndjson?: boolean;
  format?: string;
  summary?: boolean;
  info?: boolean;
  extended?: boolean;
  memory?: boolean;
  yes?: boolean;
  color?: boolean;
}

/** Whether anything narrows the selection beyond protocol and family. */
function hasSelection(f: KillFlags): boolean {
  return Boolean(
    (f.filter && f.filter.length > 0) || f.src || f.dst || f.port || f.localPort || f.remotePort || f.state || f.pid || f.process !== undefined || f.listening,
  );
}

function checkKillFlags(f: KillFlags): void {
  if (!hasSelection(f))
    throw usageError("-K closes the sockets a filter selects, and none was given (it would close them all)", "add a filter, e.g. tcpstat -K dst 10.0.0.5 dport = :443");
  if (f.input !== undefined) throw usageError("-K closes this machine's sockets; it cannot apply to --input", "drop --input");
  if (f.netns !== undefined) throw usageError("-K closes sockets in this namespace; it cannot apply to --netns", "run it inside the namespace: ip netns exec NAME tcpstat -K ...");
  if (f.watch !== undefined || f.count !== undefined) throw usageError("-K does not go with --watch", "drop --watch");
  if (f.json || f.ndjson || f.format !== undefined || f.summary || f.info || f.extended || f.memory)
    throw usageError("-K prints one line per socket it closed or could not; it takes no other output option", "drop --json/--ndjson/--format/-s/-i/-e/-m");
}

const describe = (r: SocketRecord) =>
  [
    r.proto,
    formatEndpoint(r.localAddress, r.localPort, r.family),
    formatEndpoint(r.remoteAddress, r.remotePort, r.family),
    r.state ?? "",
    r.pid !== null ? `${r.pid}/${escapeControl(r.process ?? "")}` : "-",
  ].join(" ");

/** Asks on the terminal; true for y or yes. */
async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export async function runKill(flags: KillFlags): Promise<void> {
  checkKillFlags(flags);
  const { checkCanClose, closeConnections } = await import("../sources/linux-ss/close-connections.js");
  await checkCanClose();
  const ask = !flags.yes;
  if (ask && !(process.stdin.isTTY && process.stderr.isTTY))
    throw usageError("-K asks before closing, and there is no terminal to ask on", "add --yes to close without asking");
  const { loadReport } = await import("../load/load-report.js");
  const records = (await loadReport(flags)).records;
  if (records.length === 0) return void writeError("tcpstat: no socket matches the filter; nothing closed");
  if (ask) {
    const { renderTable } = await import("../format/table.js");
    const chalk = await stdoutChalk(flags.color);
    for await (const chunk of renderTable(records, { chalk, timers: false, header: true })) process.stderr.write(chunk);
    if (!(await confirm(`Close ${records.length === 1 ? "this socket" : `these ${records.length} sockets`}? [y/N] `))) {
      writeError("tcpstat: nothing closed");
      return void (process.exitCode = EXIT.failure);
    }
  }
  const results = await closeConnections(records, { checked: true });
  await writeChunks([results.map((r) => (r.closed ? `closed ${describe(r.target)}\n` : `not closed ${describe(r.target)}: ${r.reason}\n`)).join("")]);
  const failed = results.filter((r) => !r.closed).length;
  if (failed > 0) throw new TcpstatError(`${failed} of ${results.length} socket(s) could not be closed`, "see the lines above", EXIT.failure);
}
