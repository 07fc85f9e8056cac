import { stripVTControlCharacters } from "node:util";
import Table from "cli-table3";
import { Chalk } from "chalk";
import stringWidth from "string-width";
import { describe, expect, it } from "vitest";
import { renderTable } from "../../src/format/table.js";
import { renderWatchTable } from "../../src/format/watch.js";
import { compareAddressText } from "../../src/lib/endpoint.js";
import { SocketTracker, type Tracked } from "../../src/lib/watch-diff.js";
import type { SocketRecord } from "../../src/model/socket.js";
import { borderless, captured, withOwners } from "./captured-sockets.js";

/**
 * The socket table is aligned by hand for speed; it must look exactly as it did when
 * cli-table3 drew it (borderless, one space of padding on the right, columns joined by a
 * space). cli-table3, drawn the old way, is the oracle here, on sockets captured on this
 * machine plus owners with wide and hostile names.
 */
const BORDERLESS = borderless(" ");

/** What the cli-table3 version printed, given the cells it was handed. */
function oracle(head: string[], rows: string[][]): string {
  const table = new Table({ head, chars: BORDERLESS, style: { head: [], border: [], "padding-left": 0, "padding-right": 1 } });
  for (const row of rows) table.push(row);
  // cli-table3 padded the last column too; tcpstat ends no line in spaces (issue 14).
  return `${table.toString().replace(/ +$/gm, "")}\n`;
}

async function render(records: SocketRecord[], chalk = new Chalk({ level: 0 }), timers = false): Promise<string> {
  let out = "";
  for await (const chunk of renderTable(records, { chalk, timers })) out += chunk;
  return out;
}

describe("renderTable looks as cli-table3 drew it", () => {
  it("on captured sockets, with owners (plain)", async () => {
    const out = await render(withOwners);
    const head = ["Proto", "Recv-Q", "Send-Q", "Local Address", "Foreign Address", "State", "PID/Program"];
    expect(out).toBe(oracle(head, sortLikeBefore(withOwners).map(cellsOf)));
    // Every cell but the last is padded to its column: on screen, the last column starts at the
    // same place on every line, including after a name whose characters take two columns each.
    expect(out).toContain("日本語サーバ");
    const lines = out.slice(0, -1).split("\n");
    const starts = new Set(lines.map((l) => stringWidth(l.slice(0, l.lastIndexOf(" ") + 1))));
    expect(starts.size).toBe(1);
    expect(lines.filter((l) => l.endsWith(" "))).toEqual([]);
  });

  it("on captured sockets without owners (plain ASCII: widths are string lengths)", async () => {
    const head = ["Proto", "Recv-Q", "Send-Q", "Local Address", "Foreign Address", "State", "PID/Program"];
    expect(await render(captured)).toBe(oracle(head, sortLikeBefore(captured).map(cellsOf)));
  });

  it("with colour and the timer column", async () => {
    const chalk = new Chalk({ level: 1 });
    const out = await render(withOwners, chalk, true);
    const head = ["Proto", "Recv-Q", "Send-Q", "Local Address", "Foreign Address", "State", "PID/Program", "Timer"].map((h) => chalk.bold(h));
    const colours: Record<string, (s: string) => string> = {
      LISTEN: chalk.cyan, ESTABLISHED: chalk.green, SYN_SENT: chalk.yellow, SYN_RECV: chalk.yellow,
      CLOSE_WAIT: chalk.red.bold,
    };
    const rows = sortLikeBefore(withOwners).map((r) => {
      const cells = cellsOf(r);
      cells[5] = r.state ? (colours[r.state] ?? chalk.gray)(r.state) : "";
      cells.push(r.timer ? `${r.timer.kind} (${(r.timer.expiresInMs / 1000).toFixed(2)}/${r.timer.retransmits})` : "off");
      return cells;
    });
    expect(out).toBe(oracle(head, rows));
    expect(out).toContain("\u001b[36mLISTEN\u001b[39m");
  });

  it("prints the header alone when there are no sockets", async () => {
    expect(await render([])).toBe("Proto  Recv-Q  Send-Q  Local Address  Foreign Address  State  PID/Program\n");
  });
});

describe("a --watch frame looks as cli-table3 drew it", () => {
  // A first reading, then one where three sockets are gone, one changed state and one is new.
  const second = withOwners.slice(3).map((r) => (r.state === "ESTABLISHED" && r.pid !== null ? { ...r, state: "CLOSE_WAIT" as const } : r));
  second.push({ ...withOwners[4]!, localPort: 61000, inode: 999_999, state: "SYN_SENT", pid: 4242, process: "curl" });
  const frame = () => {
    const tracker = new SocketTracker();
    tracker.update(withOwners, 1_000);
    return tracker.update(second, 2_000);
  };

  it.each([
    [0, false],
    [1, false],
    [1, true],
  ] as const)("marks new, changed and gone sockets (colour level %i, timers %s)", async (level, timers) => {
    const chalk = new Chalk({ level });
    const diff = frame();
    expect([diff.opened.length, diff.closed.length, diff.changed.length > 0]).toEqual([1, 3, true]);
    const out = (await renderWatchTable(diff, { chalk, timers })).join("");

    const mark = new Map<Tracked, string>([...diff.opened.map((t) => [t, "+"] as const), ...diff.closed.map((t) => [t, "-"] as const)]);
    const from = new Map(diff.changed.map((c) => [c.tracked, c.from] as const));
    for (const t of from.keys()) mark.set(t, "~");
    const tracked = [...diff.current.values(), ...diff.closed];
    const order = sortLikeBefore(tracked.map((t) => t.record));
    const colours: Record<string, (s: string) => string> = { LISTEN: chalk.cyan, ESTABLISHED: chalk.green, SYN_SENT: chalk.yellow, SYN_RECV: chalk.yellow, CLOSE_WAIT: chalk.red.bold };
    const rows = order.map((record) => {
      const t = tracked.find((x) => x.record === record)!;
      const m = mark.get(t) ?? " ";
      const cells = cellsOf(m === "-" ? { ...record, pid: t.pid, process: t.process } : record);
      // netstat -o's timer column; a gone socket's is left empty.
      if (timers) cells.push(m === "-" ? "" : record.timer ? `${record.timer.kind} (${(record.timer.expiresInMs / 1000).toFixed(2)}/${record.timer.retransmits})` : "off");
      const state = record.state ? (colours[record.state] ?? chalk.gray)(record.state) : "";
      const row = m === "+" ? chalk.green : m === "-" ? chalk.dim : m === "~" ? chalk.yellow : (x: string) => x;
      return [m, ...cells.map((c, i) => (i === 5 ? (m === "~" ? `${chalk.dim(from.get(t) ?? "-")}>${state}` : state) : row(c)))].map((c, i) => (i === 0 ? row(c) : c));
    });
    const head = ["", "Proto", "Recv-Q", "Send-Q", "Local Address", "Foreign Address", "State", "PID/Program", ...(timers ? ["Timer"] : [])].map((h) => chalk.bold(h));
    expect(out).toBe(`${second.length} sockets: 1 new, 3 gone, ${diff.changed.length} changed state\n${oracle(head, rows)}`);
    const plain = stripVTControlCharacters(out);
    expect(plain).toMatch(/^\+ {2}tcp .*:61000 .* SYN_SENT .* 4242\/curl/m);
    expect(plain).toMatch(/^~ .* ESTABLISHED>CLOSE_WAIT /m);
    expect(plain.match(/^- /gm)).toHaveLength(3);
  });

  it("draws a frame of 30,000 sockets, one line each", async () => {
    // (cli-table3 checks each cell against every row before it: minutes for a frame this size)
    const many = Array.from({ length: 30_000 }, (_, i) => ({ ...withOwners[i % withOwners.length]!, localPort: 1024 + (i % 60_000), remotePort: 40_000 + (i % 25_000), inode: i + 1 }));
    const tracker = new SocketTracker();
    const lines = (await renderWatchTable(tracker.update(many), { chalk: new Chalk({ level: 0 }), timers: true })).join("").split("\n");
    expect(lines[0]).toBe("30000 sockets");
    expect(lines.filter((l) => /^ {3}(tcp|udp)/.test(l))).toHaveLength(30_000);
  });
});

describe("compareAddressText", () => {
  it("orders address text exactly as localeCompare does", () => {
    const samples = ["", "::", "::1", "0.0.0.0", "10.0.0.2", "127.0.0.1", "1::", "fe80::1", "::ffff:127.0.0.1", "2001:db8::1", "9.9.9.9", "a", "A", "*", "fe80::1%eth0", "ab:cd", "abc"];
    for (const a of samples)
      for (const b of samples) expect([a, b, Math.sign(compareAddressText(a, b))]).toEqual([a, b, Math.sign(a.localeCompare(b))]);
  });
});

/** The old comparator, word for word, with localeCompare. */
function sortLikeBefore(records: SocketRecord[]): SocketRecord[] {
  return [...records].sort(
    (a, b) =>
      a.proto.localeCompare(b.proto) ||
      Number(b.state === "LISTEN") - Number(a.state === "LISTEN") ||
      a.localPort - b.localPort ||
      a.localAddress.localeCompare(b.localAddress) ||
      (a.remotePort ?? -1) - (b.remotePort ?? -1) ||
      (a.remoteAddress ?? "").localeCompare(b.remoteAddress ?? ""),
  );
}

/** Cells as a netstat user reads them: tcp6, queues, [v6]:port endpoints, pid/name with control characters escaped. */
function cellsOf(r: SocketRecord): string[] {
  const ep = (address: string | null, port: number | null) => {
    const host = address ?? (r.family === "ipv6" ? "::" : "0.0.0.0");
    const p = port === null ? "*" : String(port);
    return r.family === "ipv6" ? `[${host}]:${p}` : `${host}:${p}`;
  };
  const name = (r.process ?? "").replace(/\u001b/g, "\\x1b");
  return [
    r.family === "ipv6" ? `${r.proto}6` : r.proto,
    String(r.recvQ ?? "-"),
    String(r.sendQ ?? "-"),
    ep(r.localAddress, r.localPort),
    ep(r.remoteAddress, r.remotePort),
    r.state ?? "",
    r.pid === null ? "-" : `${r.pid}/${name}`,
  ];
}
