import Table from "cli-table3";
import { Chalk, type ChalkInstance } from "chalk";
import stringWidth from "string-width";
import { describe, expect, it } from "vitest";
import { renderSummary } from "../../src/format/summary.js";
import { STATE_MEANING, paint, paintHeader } from "../../src/format/style.js";
import { escapeControl } from "../../src/lib/safe-text.js";
import { statesInUse, summarize } from "../../src/lib/summarize.js";
import type { Summary } from "../../src/model/report.js";
import { TCP_STATES } from "../../src/model/state.js";
import { borderless, captured, withOwners } from "./captured-sockets.js";

/**
 * The summary's tables are aligned by hand (src/format/columns.ts); they must look exactly
 * as cli-table3 drew them (borderless, two spaces between columns, no padding), colour,
 * changes under --watch and wide or hostile process names included. cli-table3, handed the
 * painted cells the old way, is the oracle, on sockets captured on this machine.
 */
const BORDERLESS = borderless("  ");

function cliTable(chalk: ChalkInstance, head: string[], rows: string[][], align: Array<"left" | "right">): string {
  const table = new Table({ head: head.map((h) => paintHeader(chalk, h)), chars: BORDERLESS, colAligns: align, style: { head: [], border: [], "padding-left": 0, "padding-right": 0 } });
  for (const row of rows) table.push(row);
  // cli-table3 padded a short last cell; tcpstat ends no line in spaces (issue 14).
  return `${table.toString().replace(/ +$/gm, "")}\n`;
}

function delta(chalk: ChalkInstance, now: number, before: number | undefined): string {
  if (before === undefined || before === now) return "";
  const d = now - before;
  return d > 0 ? chalk.yellow(`+${d}`) : chalk.cyan(String(d));
}

/** The summary as the cli-table3 version drew it. */
function oracle(summary: Summary, chalk: ChalkInstance, previous?: Summary): string {
  let out = `Total: ${summary.total} sockets (TCP ${summary.tcp.total}, UDP ${summary.udp.total}; IPv4 ${summary.families.ipv4}, IPv6 ${summary.families.ipv6})${previous ? ` ${delta(chalk, summary.total, previous.total)}` : ""}\n\n`;
  const rows = TCP_STATES.map((state) => {
    const n = summary.tcp.states[state];
    const row = [n === 0 ? chalk.dim(state) : paint(chalk, STATE_MEANING[state], state), n === 0 ? chalk.dim("0") : String(n)];
    if (previous) row.push(delta(chalk, n, previous.tcp.states[state]));
    return row;
  });
  const udpRow = ["UDP", String(summary.udp.total)];
  if (previous) udpRow.push(delta(chalk, summary.udp.total, previous.udp.total));
  rows.push(udpRow);
  out += cliTable(chalk, previous ? ["State", "Count", "Change"] : ["State", "Count"], rows, ["left", "right", "right"]);
  out += `UDP: ${summary.udp.connected} connected, ${summary.udp.unconnected} unconnected\n`;
  const by = summary.by;
  if (!by) return out;
  const columns = statesInUse(by.top);
  const head = [by.key === "process" ? "PID/Program" : by.key[0]!.toUpperCase() + by.key.slice(1), "Total", ...columns, "UDP"];
  const before = new Map(previous?.by?.top.map((g) => [g.key, g.count]));
  const groups = by.top.map((g) => [
    escapeControl(g.key),
    `${g.count}${previous ? ` ${delta(chalk, g.count, before.get(g.key) ?? 0)}` : ""}`.trimEnd(),
    ...columns.map((s) => String(g.states[s] ?? 0)),
    String(g.udp),
  ]);
  out += `\nBy ${by.key} (top ${by.top.length} of ${by.top.length + by.rest.groups})\n`;
  out += cliTable(chalk, head, groups, ["left", ...head.slice(1).map(() => "right" as const)]);
  if (by.rest.groups > 0) out += `... and ${by.rest.groups} more group${by.rest.groups === 1 ? "" : "s"} with ${by.rest.count} socket${by.rest.count === 1 ? "" : "s"}\n`;
  return out;
}

const width = (t: string) => stringWidth(t);
const render = (summary: Summary, chalk: ChalkInstance, previous?: Summary) => [...renderSummary(summary, { chalk, previous, width })].join("");

describe("renderSummary looks as cli-table3 drew it", () => {
  for (const level of [0, 3] as const) {
    const chalk = new Chalk({ level });
    it(`per state and by process, wide and hostile names (colour level ${level})`, () => {
      const summary = summarize(withOwners, { by: "process", top: 10, source: "test" });
      expect(summary.by!.top.some((g) => g.key.includes("日本語サーバ"))).toBe(true);
      expect(summary.udp.total).toBeGreaterThan(0);
      expect(render(summary, chalk)).toBe(oracle(summary, chalk));
    });

    it(`with the changes since the previous frame of --watch (colour level ${level})`, () => {
      const previous = summarize(withOwners.slice(5), { by: "port", top: 3, source: "test" });
      const summary = summarize(withOwners, { by: "port", top: 3, source: "test" });
      expect(summary.by!.rest.groups).toBeGreaterThan(0);
      expect(render(summary, chalk, previous)).toBe(oracle(summary, chalk, previous));
    });
  }

  it("measures plain ASCII names by their length when no width is given", () => {
    const summary = summarize(captured, { by: "port", top: 5, source: "test" });
    const chalk = new Chalk({ level: 0 });
    expect([...renderSummary(summary, { chalk })].join("")).toBe(oracle(summary, chalk));
  });
});
