import type { ChalkInstance } from "chalk";
import { escapeControl } from "../lib/safe-text.js";
import type { DoctorReport } from "../model/report.js";

/**
 * Doctor's findings for a person:
 *
 *   tcpstat doctor: 1 problem found (1 critical, 0 warnings) in 57 sockets
 *
 *   CRITICAL  57 CLOSE_WAIT sockets piling up in server (pid 812) on port 8080
 *     evidence:
 *       - 57 sockets in CLOSE_WAIT owned by server (pid 812) (threshold close-wait=10)
 *     likely cause: The peers closed these connections, but ...
 *     fix: Fix server so every code path closes its sockets ...
 */
const sockets = (n: number) => `${n} socket${n === 1 ? "" : "s"}`;

export function renderDoctor(report: DoctorReport, chalk: ChalkInstance): string {
  const out: string[] = [];
  const n = report.findings.length;
  const critical = report.findings.filter((f) => f.severity === "critical").length;
  if (n === 0) {
    out.push(
      chalk.green(
        `tcpstat doctor: no problems found (${sockets(report.sockets)} checked${report.intervalSeconds > 0 ? `, kernel counters compared over ${report.intervalSeconds} s` : ""})`,
      ),
    );
  } else {
    out.push(
      chalk.bold(`tcpstat doctor: ${n} problem${n === 1 ? "" : "s"} found (${critical} critical, ${n - critical} warning${n - critical === 1 ? "" : "s"}) in ${sockets(report.sockets)}`),
    );
  }
  for (const f of report.findings) {
    const tag = f.severity === "critical" ? chalk.red.bold("CRITICAL") : chalk.yellow.bold("WARNING ");
    out.push("", `${tag}  ${chalk.bold(escapeControl(f.title))}`, "  evidence:");
    for (const e of f.evidence) out.push(`    - ${escapeControl(e)}`);
    // The fix names the process too ("Fix <name> so ..."): escaped like the rest.
    out.push(`  likely cause: ${escapeControl(f.cause)}`, `  fix: ${escapeControl(f.fix)}`);
  }
  for (const note of report.notes) out.push("", chalk.dim(`note: ${escapeControl(note)}`));
  return `${out.join("\n")}\n`;
}
