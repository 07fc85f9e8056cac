import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";

/**
 * `tcpstat -i --no-owners` (TCP, no timers) reads its sockets and their tcp_info from ss's one
 * output (src/sources/linux-ss/parse-ss-rows.ts), not /proc/net/tcp. On real sockets of every
 * kind (info-table-holder.py): the same sockets with the same fields as the plain listing,
 * each filter applied as there, and the -i cells what ss -tinH says, shut sockets included.
 */

const HOLDER = fileURLToPath(new URL("./info-table-holder.py", import.meta.url));

let ns: Netns;
beforeAll(async () => {
  ns = createNetns();
  await lineFrom(ns.spawn("python3", [HOLDER]), "socket holder");
});
afterAll(() => ns?.close());

/** A table's lines, each cut into its cells (no cell holds a space here). */
function table(args: readonly string[]): { head: string[]; rows: string[][]; stderr: string } {
  const r = runTcpstat(args, { netns: ns });
  expect(r.status, r.stderr).toBe(0);
  const [head, ...rows] = r.stdout.trimEnd().split("\n").map((l) => l.trim().split(/\s+/));
  return { head: head ?? [], rows: rows.filter((row) => row.length > 1), stderr: r.stderr };
}

describe("-i --no-owners: read from ss alone", () => {
  it("lists the plain listing's sockets with the same fields", () => {
    const info = table(["-i", "--no-owners", "--verbose"]);
    // One ss, or two on two halves of the sockets where there are two cores (ss-info-args.ts).
    expect(info.stderr).toMatch(/^tcpstat: source: linux-ss\n(tcpstat: ran \S+\/ss -tainHO( \S.*)?\n){1,2}$/);
    const plain = table(["--no-owners"]);
    expect(info.head.slice(-6)).toEqual(["RTT(ms)", "Cwnd", "Retrans", "Sent", "Recv", "Idle(ms)"]);
    // Proto, Recv-Q, Send-Q, Local, Foreign, State, PID/Program: each line as the plain listing's, in its order.
    expect(info.rows.map((row) => row.slice(0, 7))).toEqual(plain.rows);
    expect(plain.rows.length).toBe(21);
    const states = new Set(plain.rows.map((row) => row[5]));
    expect([...states].sort()).toEqual(["CLOSE_WAIT", "ESTABLISHED", "FIN_WAIT2", "LISTEN", "TIME_WAIT"]);
    // Unread data in Recv-Q; a listener's Send-Q 0 as /proc/net/tcp has it (ss prints the backlog).
    expect(info.rows.some((row) => row[1] === "700")).toBe(true);
    expect(info.rows.filter((row) => row[5] === "LISTEN").every((row) => row[2] === "0")).toBe(true);
  });

  it("reads two halves of the sockets that together hold each socket once, whatever the cores", async () => {
    const { ssRowCommands } = await import("../../src/sources/linux-ss/ss-info-args.js");
    // A half may hold no socket at all (the machine's middle can lie above every port here).
    const sockets = (args: readonly string[]) =>
      ns.run("ss", ["-tanH", ...args.slice(1)]).stdout.split("\n").filter((l) => l.trim() !== "").map((l) => l.trim().replace(/\s+/g, " "));
    const all = sockets(["-tanH"]).sort();
    expect(all).toHaveLength(21);
    expect(ssRowCommands(1)).toEqual([["-tainHO"]]);
    // Parted at this machine's middle of the ephemeral range; at 7302, between the holder's
    // listeners (7300 and 7301 below, 7302 and 7303 above): neither half empty; and at 65535,
    // above every port here: the first half all, the second empty.
    for (const middle of [undefined, 7302, 65535]) {
      const halves = ssRowCommands(2, middle).map(sockets);
      expect(halves).toHaveLength(2);
      expect(halves.flat().sort()).toEqual(all);
      if (middle === 7302) for (const half of halves) expect(half.length).toBeGreaterThan(2);
      if (middle === 65535) expect(halves[1]).toEqual([]);
    }
  });

  it.each([
    [["--state", "close-wait"]],
    [["-6"]],
    [["--port", "7301"]],
    [["--dst", "127.0.0.1"]],
    [["--src", "::/0"]],
    [["state", "established", "sport", "=", ":7300"]],
    [["--state", "listen"]],
  ])("applies %j as the plain listing does", (filter) => {
    const info = table(["-i", "--no-owners", ...filter]);
    const plain = table(["--no-owners", ...filter]);
    expect(info.rows.map((row) => row.slice(0, 7))).toEqual(plain.rows);
    expect(plain.rows.length).toBeGreaterThan(0);
  });

  it("shows tcp_info for sockets shut one way (ss's --> and <--), as ss -tinH gives it", () => {
    const ss = ns.run("ss", ["-tinH", "state", "close-wait", "state", "fin-wait-2"]).stdout.split("\n");
    const info = table(["-i", "--no-owners", "--state", "close-wait,fin-wait-2"]);
    expect(info.rows).toHaveLength(4);
    for (const row of info.rows) {
      const ends = ` ${row[3]} ${row[4]}`;
      const at = ss.findIndex((l) => l.replace(/\s+/g, " ").includes(ends));
      expect(at, ends).toBeGreaterThanOrEqual(0);
      const words = Object.fromEntries(ss[at + 1]!.trim().split(/\s+/).map((w) => [w.slice(0, w.indexOf(":")), w.slice(w.indexOf(":") + 1)]));
      const [rtt, cwnd, retrans, sent, recv] = row.slice(7);
      expect(rtt).toBe(String(Number(words.rtt!.split("/")[0])));
      expect(cwnd).toBe(words.cwnd);
      expect(retrans).toBe("0/0");
      expect(sent).toBe(words.bytes_sent ?? "0");
      expect(recv).toBe(words.bytes_received ?? "0");
    }
  });

  it("with owners (sockets from /proc, figures from ss joined by inode), the same -i figures", () => {
    const info = table(["-i", "--no-owners"]);
    const owned = table(["-i"]);
    // RTT, Cwnd, Retrans, Sent, Recv of each socket (Idle moves between two runs); the owners' column differs.
    const figures = (rows: string[][]) => rows.map((row) => [...row.slice(0, 6), ...row.slice(-6, -1)].join(" "));
    expect(figures(owned.rows)).toEqual(figures(info.rows));
  });

  it("reads /proc/net/tcp where ss cannot give what is asked: timers (-o), UDP (-u)", () => {
    for (const extra of [["-o"], ["-tu"]]) {
      const r = runTcpstat(["-i", "--no-owners", "--verbose", ...extra], { netns: ns });
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/^tcpstat: source: procfs\n/);
    }
  });
});
