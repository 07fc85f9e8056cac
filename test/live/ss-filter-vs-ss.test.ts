import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { runTcpstat } from "../helpers/cli.js";
import type { SocketRecord } from "../../src/model/socket.js";
import { parseSs, socketKey } from "./reference-tools.js";
import { startScenario, type Scenario } from "./scenario.js";

/**
 * ss's filter language typed after the options: each expression goes through tcpstat and
 * through ss, word for word, on the state lab (hold-sockets.py: every TCP state, v4, v6 and
 * IPv4-mapped, UDP) plus listeners on the http and https ports for service names, and both
 * must select the same sockets.
 */

let scenario: Scenario;
beforeAll(async () => {
  scenario = await startScenario();
  const web = scenario.ns.spawn(process.execPath, [
    "-e",
    `const net = require("net"); let n = 0; const up = () => ++n === 2 && console.log("up");
     net.createServer().listen(80, "127.0.0.1", up); net.createServer().listen(443, "::1", up); setTimeout(() => {}, 600000);`,
  ]);
  await lineFrom(web, "http/https listeners");
});
afterAll(() => scenario?.close());

const key = (s: Parameters<typeof socketKey>[0] & { state: string | null }) => `${socketKey(s)} ${s.state ?? ""}`;

function tcpstat(args: string[]): string[] {
  const r = runTcpstat([...args, "--json", "--no-owners"], { netns: scenario.ns });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return (JSON.parse(r.stdout) as SocketRecord[]).map(key).sort();
}

/** ss's single-state words onto the State column it leaves out when one state is asked for. */
const SINGLE: Record<string, string> = {
  established: "ESTAB", "syn-sent": "SYN-SENT", "syn-recv": "SYN-RECV", "fin-wait-1": "FIN-WAIT-1", "fin-wait-2": "FIN-WAIT-2",
  "time-wait": "TIME-WAIT", "close-wait": "CLOSE-WAIT", "last-ack": "LAST-ACK", listening: "LISTEN", closing: "CLOSING", closed: "UNCONN",
};

function ss(args: string[]): string[] {
  const r = scenario.ns.run("ss", ["-nH", ...args]);
  if (r.status !== 0) throw new Error(`ss ${args.join(" ")}: ${r.stderr}`);
  const words = args.flatMap((a) => a.split(/\s+/));
  const states = words.flatMap((w, i) => (words[i - 1] === "state" ? [w] : []));
  const single = states.length === 1 && !words.includes("exclude") ? SINGLE[states[0]!] : undefined;
  const flags = args[0]!;
  const proto = flags.includes("t") && !flags.includes("u") ? "tcp" : flags.includes("u") && !flags.includes("t") ? "udp" : undefined;
  return parseSs(r.stdout, { proto, state: single }).map(key).sort();
}

/** [flags, expression words]: the same words to both tools. One line each; the first ones do not last (TIME_WAIT, SYN_*). */
const CASES: Array<[string, ...string[]]> = [
  ["-tu", "state", "syn-sent"],
  ["-tu", "state", "syn-recv"],
  ["-tu", "state", "time-wait"],
  ["-tu", "state", "bucket"],
  ["-tu", "state", "time-wait", "dport", ">=", ":13000"],
  ["-tu", "exclude", "time-wait", "src", "::ffff:127.0.0.1/128"],
  ["-tu", "state", "established"],
  ["-tu", "state", "fin-wait-1"],
  ["-tu", "state", "fin-wait-2"],
  ["-tu", "state", "closed"],
  ["-tu", "state", "close-wait"],
  ["-tu", "state", "last-ack"],
  ["-tu", "state", "listening"],
  ["-tu", "state", "closing"],
  ["-tu", "state", "connected"],
  ["-tu", "state", "synchronized"],
  ["-tu", "state", "big"],
  ["-tu", "state", "all"],
  ["-tu", "exclude", "time-wait"],
  ["-tu", "exclude", "listening", "exclude", "closed"],
  ["-tu", "state", "established", "state", "close-wait"],
  ["-tu", "exclude", "connected"],
  ["-u", "state", "established"],
  ["-tua", "sport", "=", ":11000"],
  ["-tua", "sport", "==", ":11000"],
  ["-tua", "sport", "eq", ":11000"],
  ["-tua", "sport", ":11000"],
  ["-tua", "sport", "=", "11000"],
  ["-tua", "sport", "!=", ":11000"],
  ["-tua", "sport", "ne", ":11000"],
  ["-tua", "sport", "neq", ":11000"],
  ["-tua", "sport", "<", ":12000"],
  ["-tua", "sport", "lt", ":12000"],
  ["-tua", "sport", "<=", ":12000"],
  ["-tua", "sport", "le", ":12000"],
  ["-tua", "sport", "leq", ":12000"],
  ["-tua", "sport", ">", ":12000"],
  ["-tua", "sport", "gt", ":12000"],
  ["-tua", "sport", ">=", ":12005"],
  ["-tua", "sport", "ge", ":12005"],
  ["-tua", "sport", "geq", ":12005"],
  ["-tua", "dport", "=", ":11000"],
  ["-tua", "dport", "!=", ":0"],
  ["-tua", "dport", "<", ":12000"],
  ["-tua", "dport", ">", ":11004", "and", "dport", "<=", ":11008"],
  ["-tua", "sport", "=", ":http"],
  ["-tua", "sport", "eq", ":https", "or", "sport", "=", ":80"],
  ["-tua", "dst", "127.0.0.1"],
  ["-tua", "dst", "127.0.0.0/8"],
  ["-tua", "dst", "127.0.0.1:11000"],
  ["-tua", "src", "127.0.0.1:11002"],
  ["-tua", "src", "=", "127.0.0.1/32", "and", "dport", "=", ":13000"],
  ["-tua", "src", "0.0.0.0/0"],
  ["-tua", "dst", "0.0.0.0"],
  ["-tua", "dst", "10.0.0.0/8"],
  ["-tua", "src", "127.0.0.0/9"],
  ["-tua", "src", "[::1]"],
  ["-tua", "src", "[::1]:12000"],
  ["-tua", "dst", "::1/127"],
  ["-tua", "src", "::1/128"],
  ["-tua", "src", "::/0"],
  ["-tua", "src", "[::ffff:127.0.0.1]"],
  ["-tua", "src", "::ffff:0:0/96"],
  ["-tua", "dst", "2001:db8::/32"],
  ["-tua", "src", "*:11000"],
  ["-tua", "dst", "*:12050"],
  ["-tua", "!", "sport", "=", ":11000"],
  ["-tua", "not", "dst", "127.0.0.1"],
  ["-tua", "( sport = :11000 or dport = :11000 )"],
  ["-tua", "(", "sport", "=", ":11000", "or", "dport", "=", ":11000", ")", "and", "not", "src", "[::1]"],
  // One precedence, left to right: (A or B) and C, not A or (B and C).
  ["-tua", "sport", "=", ":11000", "or", "sport", "=", ":12000", "and", "dst", "0.0.0.0"],
  ["-tua", "sport", ">=", ":11000", "&&", "sport", "<=", ":11008", "||", "dport", "=", ":11000"],
  ["-tua", "sport", "=", ":12001", "|", "sport", "=", ":12002", "&", "dport", "!=", ":0"],
  ["-tua", "sport", "=", ":11000", "dport", "=", ":0"],
  ["-tua", "not", "(", "sport", "<", ":11050", "or", "sport", ">", ":13008", ")"],
  ["-tua", "( ( sport = :12000 ) or ( ! dport < :12000 ) ) and ! ( src [::1] )"],
  ["-tu", "state", "established", "( dport = :12000 or sport = :12000 )"],
  ["-tu", "state", "connected", "exclude", "established", "src", "127.0.0.1"],
  ["-tua4", "dport", ">", ":0"],
  ["-tua6", "src", "::/0"],
  ["-ua", "dport", "=", ":11050"],
  ["-ta", "src", "127.0.0.1", "or", "src", "[::1]"],
];

describe("ss filter expressions select what ss selects", () => {
  const counts = new Map<string, number>();
  it.each(CASES.map((args) => [args.join(" "), args] as const))("tcpstat %s", (_, args) => {
    for (let attempt = 1; ; attempt++) {
      const before = ss(args);
      const got = tcpstat(args);
      const after = ss(args);
      if (JSON.stringify(before) !== JSON.stringify(after) && attempt < 3) continue;
      expect(after, "ss gave different answers before and after tcpstat three times").toEqual(before);
      counts.set(args.join(" "), before.length);
      expect(got).toEqual(before);
      return;
    }
  });

  it("the cases are many and not vacuous: most select some but not all sockets", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    const all = ss(["-tua"]).length;
    const sizes = [...counts.values()];
    expect(sizes.filter((n) => n > 0 && n < all).length).toBeGreaterThan(60);
  });
});

describe("the options beside it", () => {
  it("--src and --dst are ss's src and dst, a list meaning any", () => {
    expect(tcpstat(["-tu", "--src", "127.0.0.1:11000"])).toEqual(ss(["-tua", "src", "127.0.0.1:11000"]));
    expect(tcpstat(["-tu", "--dst", "[::1]:12000,127.0.0.1:11000"])).toEqual(ss(["-tua", "( dst [::1]:12000 or dst 127.0.0.1:11000 )"]));
    expect(tcpstat(["-tu", "--src", "[::1]", "--dst", "[::1]:12000"])).toEqual(ss(["-tua", "src [::1] and dst [::1]:12000"]));
  });

  it("--port takes :443 and service names", () => {
    expect(tcpstat(["-tu", "--port", ":443"])).toEqual(ss(["-tua", "( sport = :443 or dport = :443 )"]));
    const http = tcpstat(["-tu", "--port", "http"]);
    expect(http).toEqual(ss(["-tua", "( sport = :80 or dport = :80 )"]));
    expect(http).toHaveLength(1);
    expect(tcpstat(["-tu", "--local-port", "https,http"])).toEqual(ss(["-tua", "( sport = :443 or sport = :80 )"]));
  });

  it("tcpstat state listening: the listeners, as ss state listening", () => {
    const r = runTcpstat(["state", "listening", "--no-owners"], { netns: scenario.ns });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n").slice(1);
    expect(lines.length).toBe(ss(["-t", "state", "listening"]).length);
    expect(lines.every((l) => / LISTEN /.test(l))).toBe(true);
  });
});

describe("a bad expression: one line naming the word, exit 2", () => {
  it.each([
    [["sport", "=", ":htps"], "'htps' is neither a port number nor a known service name"],
    [["dst", "10.0.0.300"], "'10.0.0.300' is not an IP address"],
    [["(", "sport", "=", ":22"], "')' is missing"],
    [["sport", "=", ":22", ")"], "')' without its '('"],
    [["state", "establishd"], "unknown state"],
    [["src", ">", "10.0.0.1"], "src compares addresses with = or != only"],
    [["sport", "="], "sport needs a value"],
    [["dst", "10.0.0.0/33"], "bad prefix length '/33'"],
    [["sport", "=", ":22", "bogus"], "cannot read 'bogus' (word 4)"],
  ])("tcpstat %j", (args, message) => {
    const r = runTcpstat(args, { netns: scenario.ns });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });
});
