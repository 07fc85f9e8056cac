import type { ChalkInstance } from "chalk";
import { explainState } from "../../knowledge/explain.js";
import { renderExplanation } from "../../format/explain.js";
import { safeText } from "../../lib/safe-text.js";
import { formatRate, holderText, localText, remoteText, stateText } from "./format.js";
import { extraText, type Panel } from "./view.js";

/** The help panel (`?`) and the details panel (Enter), as lines; pure. */

const KEYS: ReadonlyArray<readonly [string, string]> = [
  ["Up/Down PgUp/PgDn Home/End", "move the selection"],
  ["1-9", "sort by the Nth column shown (again: reverse)"],
  ["< >", "sort by the column left / right of the current one"],
  ["i", "reverse the sort"],
  ["/", "filter as you type, as on the command line: established, :443, port https, process nginx, pid 42, tcp, udp, state connected dport = :443; Enter keeps it, Esc clears it"],
  ["g", "group by process, port, state, container, then back to the connections"],
  ["Enter", "details of the selected connection: holders and command lines, tcp_info, the state explained, doctor's findings"],
  ["c", "close the selected connection (asks first; as tcpstat -K)"],
  ["k", "signal the selected connection's process: SIGTERM, then the choice of SIGKILL (asks first)"],
  ["r", "resolve names on / off"],
  ["p", "pause / resume the refresh"],
  ["Esc", "close a panel, leave a grouping, clear the filter"],
  ["q  Ctrl-C", "quit"],
];

export function renderHelp(chalk: ChalkInstance): string[] {
  const lines = [chalk.bold("Keys") + chalk.dim("  (Esc or ? closes this)")];
  for (const [key, what] of KEYS) lines.push(`  ${chalk.bold(key.padEnd(26))}  ${what}`);
  lines.push(
    "",
    `Colours: ${chalk.green("+ new")} for a few refreshes, ${chalk.yellow("~ changed state")}, ${chalk.red("- gone")} (then removed).`,
    "Sent/s and Recv/s: bytes acknowledged by the peer and received, a second, from tcp_info (ss):",
    "  the rows on screen each refresh, the others as often as the header says (\"-\": not read twice yet).",
    "PID/Program (reading): a socket newer than the last holder scan; the next scan names its holders.",
  );
  return lines;
}

/** Every field of tcp_info, "name value" several to a line. */
function infoLines(info: Record<string, unknown>, width: number): string[] {
  return cellLines(Object.entries(info).map(([k, v]) => `${k} ${v === null ? "-" : String(v)}`), width);
}

/** Cells several to a line, as many as fit in `width`. */
function cellLines(cells: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = " ";
  for (const cell of cells) {
    if (line.length + cell.length + 2 > width && line.trim() !== "") {
      lines.push(line);
      line = " ";
    }
    line += ` ${cell} `;
  }
  if (line.trim() !== "") lines.push(line);
  return lines;
}

/** A long line (a command line) cut into lines of the screen's width, the rest indented: shown whole, never clipped. */
function wrapped(text: string, width: number, indent: string): string[] {
  if (text.length <= width || width <= indent.length + 10) return [text];
  const out = [text.slice(0, width)];
  for (let at = width; at < text.length; at += width - indent.length) out.push(indent + text.slice(at, at + width - indent.length));
  return out;
}

export function renderDetails(panel: Extract<Panel, { kind: "details" }>, chalk: ChalkInstance, width: number): string[] {
  const row = panel.row;
  const r = row.record;
  const gone = row.mark === "gone" ? chalk.red("  (gone)") : "";
  const lines = [
    `${chalk.bold("Connection")}  ${r.proto}  ${localText(r)} -> ${remoteText(r)}  ${stateText(r)}${gone}` + chalk.dim("  (Esc: back, Up/Down: scroll)"),
    `  Sent/s ${formatRate(r.remotePort === null ? null : row.sentBps)}  Recv/s ${formatRate(r.remotePort === null ? null : row.recvBps)}  Recv-Q ${r.recvQ ?? "-"}  Send-Q ${r.sendQ ?? "-"}  inode ${r.inode ?? "-"}  uid ${r.uid ?? "-"}`,
  ];
  const container = extraText(r, "container");
  const unit = extraText(r, "unit");
  if (container !== null || unit !== null) lines.push(`  Container ${safeText(container ?? "-")}  Unit ${safeText(unit ?? "-")}`);
  lines.push("", chalk.bold("Holders"));
  const d = panel.details;
  if (d === null) lines.push("  reading...");
  else if (row.holdersPending) lines.push("  not read yet: the next holder scan finds them");
  else if (d.holders.length === 0) lines.push(`  ${r.pid === null ? "no process holds it (TIME_WAIT, orphaned, or owners unreadable)" : holderText(r)}`);
  else
    for (const h of d.holders) {
      const head = `  ${h.pid}/${safeText(h.process ?? "?")}${h.user ? ` user ${safeText(h.user)}` : ""}${h.fd !== null ? ` fd ${h.fd}` : ""}: `;
      if (h.commandLine === null) lines.push(head + chalk.dim("(command line unreadable)"));
      else lines.push(...wrapped(head + safeText(h.commandLine), width, "    "));
    }
  lines.push("", chalk.bold("tcp_info"));
  const info = d?.info ?? row.info ?? null;
  // Every field ss printed, as `ss -ti` names them; else the record's, when only the refresh read it.
  if (d?.ssFields && d.ssFields.length > 0) lines.push(...cellLines(d.ssFields.map(([k, v]) => safeText(v === null ? k : `${k} ${v}`)), width));
  else if (info) lines.push(...infoLines(info as unknown as Record<string, unknown>, width));
  else if (d === null && r.proto === "tcp" && r.state !== "TIME_WAIT") lines.push("  reading...");
  else lines.push(`  ${r.proto !== "tcp" ? "none: not TCP" : r.state === "TIME_WAIT" ? "none: the kernel keeps no tcp_info for TIME_WAIT" : "none read (ss missing, or the connection is gone)"}`);
  lines.push("", chalk.bold("Doctor"));
  if (d === null) lines.push("  reading...");
  else {
    if (d.findings.length === 0) lines.push("  no finding touches this connection");
    for (const f of d.findings) lines.push(`  ${safeText(f)}`);
    if (d.findingsNote) lines.push(chalk.dim(`  ${d.findingsNote}`));
  }
  if (r.state !== null) {
    lines.push("");
    lines.push(...renderExplanation(explainState(r.state, "en", null), chalk, Math.max(20, width - 2)).replace(/\n$/, "").split("\n"));
  }
  return lines;
}
