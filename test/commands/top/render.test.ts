import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import type { SocketRecord } from "../../../src/model/socket.js";
import { placeColumns, COLUMNS } from "../../../src/commands/top/columns.js";
import { parseFilterText } from "../../../src/commands/top/filter-text.js";
import { decodeKeys } from "../../../src/commands/top/keys.js";
import { renderScreen } from "../../../src/commands/top/render.js";
import { ShownRows } from "../../../src/commands/top/shown.js";
import { emptyView, type TopRow } from "../../../src/commands/top/view.js";

/** The screen's pure parts, without a terminal: the frame's shape and colours, keys, the filter. */

const record = (localPort: number, state: SocketRecord["state"], remotePort: number | null = 5000): SocketRecord => ({
  proto: "tcp",
  family: "ipv4",
  localAddress: "127.0.0.1",
  localPort,
  remoteAddress: remotePort === null ? null : "127.0.0.1",
  remotePort,
  state,
  recvQ: 0,
  sendQ: 0,
  pid: 10,
  process: "node",
  uid: 0,
  user: "root",
  inode: localPort,
  timer: null,
});
const row = (key: string, r: SocketRecord, mark: TopRow["mark"] = null): TopRow => ({ key, record: r, mark, sentBps: 1500, recvBps: 0, info: null });

describe("renderScreen", () => {
  const view = emptyView(1000);
  view.rows = [row("a", record(1001, "ESTABLISHED"), "gone"), row("b", record(1002, "ESTABLISHED")), row("c", record(1003, "CLOSE_WAIT"), "new")];
  view.selected = "b";
  const shown = new ShownRows().of(view);

  it("closes every colour it opens on the line that opens it", () => {
    const lines = renderScreen(view, shown, { width: 100, height: 10, chalk: new Chalk({ level: 1 }) });
    expect(lines).toHaveLength(10);
    for (const line of lines) {
      const opened = (line.match(/\x1b\[3[0-7]m/g) ?? []).length;
      const closed = (line.match(/\x1b\[39m|\x1b\[0m/g) ?? []).length;
      expect(closed, JSON.stringify(line)).toBeGreaterThanOrEqual(opened);
    }
    expect(lines.find((l) => l.includes(":1001"))).toMatch(/^ -\x1b\[31mtcp/);
    expect(lines.find((l) => l.includes(":1003"))).toMatch(/^ \+\x1b\[32mtcp/);
  });

  it("fits a narrow screen by dropping the lowest priorities, never more than the width", () => {
    const lines = renderScreen(view, shown, { width: 50, height: 10, chalk: new Chalk({ level: 0 }) });
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(50);
    // Sent/s and everything of lower priority dropped; the rest padded, never cut mid-column.
    expect(lines[2]).toMatch(/^ {2}Local Address +Remote Address +State +$/);
  });
});

describe("renderScreen at 80 columns, the usual terminal", () => {
  const view = emptyView(1000);
  const long = (port: number, remote: number): SocketRecord => ({ ...record(port, "ESTABLISHED", remote), localAddress: "10.0.0.5", remoteAddress: "10.0.0.17", pid: 123456, process: "postgres-worker", owners: [
    { pid: 123456, process: "postgres-worker", user: "root", fd: 9 },
    { pid: 123457, process: "postgres-worker", user: "root", fd: 9 },
  ] });
  view.rows = [row("a", long(5432, 51000)), row("b", long(5432, 51001))];
  view.paused = true;
  const lines = renderScreen(view, new ShownRows().of(view), { width: 80, height: 12, chalk: new Chalk({ level: 0 }) });

  it("keeps the holder (cut), the rates, both addresses and the state; the footer keeps ? and q", () => {
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    const head = lines.find((l) => l.includes("Local Address"))!;
    expect(head.trim().split(/\s{2,}/)).toEqual(["Local Address", "Remote Address", "State", "Sent/s▼", "Recv/s", "PID/Program"]);
    expect(lines.find((l) => l.includes(":51000"))).toMatch(/10\.0\.0\.5:5432 +10\.0\.0\.17:51000 +ESTABLISHED +1\.5k +0 +123456\/postg~$/);
    const foot = lines.at(-1)!;
    expect(foot).toMatch(/^\? help {2}\/ filter .*p pause {2}q quit$/);
  });

  it("says PAUSED first on its second line", () => {
    expect(lines[1]).toMatch(/^ PAUSED {3}refresh /);
  });
});

describe("the Proto column", () => {
  it("says tcp6 for an IPv6 socket, as the listing and netstat do", () => {
    const view = emptyView(1000);
    view.rows = [row("v6", { ...record(8080, "LISTEN", null), family: "ipv6", localAddress: "::1" }), row("v4", record(8081, "LISTEN", null))];
    const lines = renderScreen(view, new ShownRows().of(view), { width: 120, height: 10, chalk: new Chalk({ level: 0 }) });
    expect(lines.find((l) => l.includes(":8080"))).toMatch(/^ {2}tcp6 +\[::1\]:8080 /);
    expect(lines.find((l) => l.includes(":8081"))).toMatch(/^ {2}tcp +127\.0\.0\.1:8081 /);
  });
});

describe("g with a filter", () => {
  it("counts the rows the filter shows, by the port a listener serves", () => {
    const view = emptyView(1000);
    const client = (port: number) => ({ ...record(port, "ESTABLISHED", 50051), localPort: 40000 + port });
    // A server on 50051 and two clients from lower ports: one group, not one a client.
    view.rows = [row("l", record(50051, "LISTEN", null)), row("a", { ...record(50051, "ESTABLISHED", 30001) }), row("b", { ...record(50051, "ESTABLISHED", 30002) }), row("c", client(1))];
    view.group = "port";
    view.filter = { ...view.filter, text: "established", match: (r) => r.state === "ESTABLISHED" };
    const lines = renderScreen(view, new ShownRows().of(view), { width: 100, height: 12, chalk: new Chalk({ level: 0 }) });
    const groups = lines.filter((l) => /^ {2}tcp \d/.test(l)).map((l) => l.trim().split(/\s+/).slice(0, 3));
    expect(groups).toEqual([["tcp", "50051", "3"]]);
  });
});

describe("placeColumns", () => {
  it("keeps all columns when they fit, in the table's order", () => {
    expect(placeColumns(COLUMNS.slice(0, 7), [], 200).map((p) => p.column.id)).toEqual(["proto", "local", "remote", "state", "sent", "recv", "holder"]);
  });
});

describe("decodeKeys", () => {
  it("names escape sequences, Enter, Backspace and Ctrl-C", () => {
    expect(decodeKeys("\x1b[A\x1b[Bq\r\x7f\x03\x1b[6~\x1b")).toEqual(["up", "down", "q", "enter", "backspace", "ctrl-c", "pagedown", "escape"]);
  });
});

describe("parseFilterText", () => {
  const m = (text: string, r: SocketRecord) => {
    const parsed = parseFilterText(text);
    if ("error" in parsed) throw new Error(parsed.error);
    return parsed.match(r);
  };
  it("reads states, ports, process and ss expressions as the command line does", () => {
    expect(m("established", record(1, "ESTABLISHED"))).toBe(true);
    expect(m("listening", record(1, "ESTABLISHED"))).toBe(false);
    expect(m(":5000", record(1, "ESTABLISHED"))).toBe(true);
    expect(m("port 443", record(1, "ESTABLISHED"))).toBe(false);
    expect(m("process NO", record(1, "ESTABLISHED"))).toBe(true);
    expect(m("process nginx", record(1, "ESTABLISHED"))).toBe(false);
    expect(m("state established dport = :5000", record(1, "ESTABLISHED"))).toBe(true);
    expect(m("sport gt :1000 and dport = :6000", record(1001, "ESTABLISHED"))).toBe(false);
  });
  it("says what it cannot read, in the command line's words", () => {
    expect(parseFilterText("establishd")).toEqual({ error: expect.stringMatching(/^unknown state 'establishd' \(did you mean ESTABLISHED\?\)/) });
    expect(parseFilterText("dport =")).toEqual({ error: expect.stringMatching(/ends too early/) });
  });
});
