import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import type { SocketRecord } from "../../src/model/socket.js";
import { parseSs, socketKey, type RefSocket } from "./reference-tools.js";
import { NODE_NAME, NODE_PORT, startScenario, type Scenario } from "./scenario.js";

/**
 * Every selection flag returns exactly the sockets the matching ss filter returns,
 * on the namespace of hold-sockets.py (all TCP states, v4/v6/mapped, UDP) plus a node listener.
 */

let scenario: Scenario;
beforeAll(async () => {
  scenario = await startScenario();
});
afterAll(() => scenario?.close());

const key = (s: Parameters<typeof socketKey>[0] & { state: string | null }) => `${socketKey(s)} ${s.state ?? ""}`;

/** Owners are skipped where the filter does not need them: the selection is the same, the run faster. */
function tcpstat(args: string[], owners = false): string[] {
  const r = runTcpstat([...args, "--json", ...(owners ? [] : ["--no-owners"])], { netns: scenario.ns });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return (JSON.parse(r.stdout) as SocketRecord[]).map(key).sort();
}

/** ss leaves out the Netid column for one protocol and the State column for one state. */
function ss(args: string[], keep?: (s: RefSocket) => boolean): string[] {
  const r = scenario.ns.run("ss", [keep ? "-npH" : "-nH", ...args]);
  if (r.status !== 0) throw new Error(`ss ${args.join(" ")}: ${r.stderr}`);
  const flags = args.filter((a) => /^-[a-z0-9]+$/.test(a)).join("");
  const proto = flags.includes("t") && !flags.includes("u") ? "tcp" : flags.includes("u") && !flags.includes("t") ? "udp" : undefined;
  const states = args.flatMap((a, i) => (args[i - 1] === "state" ? [a] : []));
  const single = states.length === 1 ? SS_STATE_NAMES[states[0] as string] : undefined;
  return parseSs(r.stdout, { proto, state: single }).filter(keep ?? (() => true)).map(key).sort();
}

/** ss's state filter words onto the state column it would have printed. */
const SS_STATE_NAMES: Record<string, string> = {
  established: "ESTAB",
  "syn-sent": "SYN-SENT",
  "syn-recv": "SYN-RECV",
  "fin-wait-1": "FIN-WAIT-1",
  "fin-wait-2": "FIN-WAIT-2",
  "time-wait": "TIME-WAIT",
  "close-wait": "CLOSE-WAIT",
  "last-ack": "LAST-ACK",
  listening: "LISTEN",
  closing: "CLOSING",
  closed: "UNCONN",
};

/** [tcpstat flags, ss arguments (always with -npH)]: written from ss(8), one line a filter. */
const CASES: Array<[string[], string[]]> = [
  // First the states that do not last: TIME_WAIT (60 s), SYN_RECV and SYN_SENT (until retries run out).
  [["--state", "SYN_SENT"], ["-t", "state", "syn-sent"]],
  [["--state", "syn-rcvd"], ["-t", "state", "syn-recv"]],
  [["--state", "TIME-WAIT"], ["-t", "state", "time-wait"]],
  [["--state", "LISTEN,time-wait"], ["-t", "state", "listening", "state", "time-wait"]],
  [["-tu", "--state", "bucket"], ["-tu", "state", "bucket"]],
  [["-6", "--state", "time-wait", "--local-port", "12000-13999"], ["-t6", "state", "time-wait", "( sport >= :12000 and sport <= :13999 )"]],
  [[], ["-ta"]],
  [["-t"], ["-ta"]],
  [["-u"], ["-ua"]],
  [["-tu"], ["-tua"]],
  [["-t", "-u", "-a", "-n", "-p"], ["-tua"]],
  [["-l"], ["-tl"]],
  [["-tul"], ["-tul"]],
  [["-ul"], ["-ul"]],
  [["-4"], ["-ta4"]],
  [["-6"], ["-ta6"]],
  [["-tu4"], ["-tua4"]],
  [["-tu6"], ["-tua6"]],
  [["-tul6"], ["-tul6"]],
  [["-46"], ["-ta"]],
  // states, one spelling each as people type them, against ss's own names
  [["-tu", "--state", "ESTABLISHED"], ["-tu", "state", "established"]],
  [["-tu", "--state", "estab"], ["-tu", "state", "established"]],
  [["--state", "FIN_WAIT_1"], ["-t", "state", "fin-wait-1"]],
  [["--state", "fin-wait-2"], ["-t", "state", "fin-wait-2"]],
  [["--state", "close-wait"], ["-t", "state", "close-wait"]],
  [["--state", "LAST_ACK"], ["-t", "state", "last-ack"]],
  [["--state", "LISTENING"], ["-t", "state", "listening"]],
  [["--state", "closing"], ["-t", "state", "closing"]],
  [["-tu", "--state", "closed"], ["-tu", "state", "closed"]],
  [["-u", "--state", "established"], ["-u", "state", "established"]],
  [["--state", "fin-wait-1", "--state", "LAST-ACK"], ["-t", "state", "fin-wait-1", "state", "last-ack"]],
  // ss's groups
  [["-tu", "--state", "connected"], ["-tu", "state", "connected"]],
  [["-tu", "--state", "synchronized"], ["-tu", "state", "synchronized"]],
  [["-tu", "--state", "big"], ["-tu", "state", "big"]],
  [["-tu", "--state", "all"], ["-tu", "state", "all"]],
  // ports
  [["--port", "11000"], ["-ta", "( sport = :11000 or dport = :11000 )"]],
  [["-tu", "--port", "11000,12050"], ["-tua", "( sport = :11000 or dport = :11000 or sport = :12050 or dport = :12050 )"]],
  [["--port", "13000-13004"], ["-ta", "( sport >= :13000 and sport <= :13004 ) or ( dport >= :13000 and dport <= :13004 )"]],
  [["--local-port", "11000-11004"], ["-ta", "( sport >= :11000 and sport <= :11004 )"]],
  [["--local-port", "12001", "--local-port", "13007"], ["-ta", "( sport = :12001 or sport = :13007 )"]],
  [["--remote-port", "13000-13008"], ["-ta", "( dport >= :13000 and dport <= :13008 )"]],
  [["-u", "--remote-port", "11050,13050"], ["-ua", "( dport = :11050 or dport = :13050 )"]],
  [["--state", "established", "--port", "11000"], ["-t", "state", "established", "( sport = :11000 or dport = :11000 )"]],
  [["-l", "--local-port", "11000-11008"], ["-tl", "( sport >= :11000 and sport <= :11008 )"]],
];

describe("each filter returns exactly what the matching ss filter returns", () => {
  const counts = new Map<string, number>();
  // ss runs before and after tcpstat; a socket that timed out in between makes the two differ,
  // and the case is tried again rather than compared with a world that moved.
  it.each(CASES)("tcpstat %j = ss %j", (ours, theirs) => {
    for (let attempt = 1; ; attempt++) {
      const before = ss(theirs);
      const got = tcpstat(ours);
      const after = ss(theirs);
      if (JSON.stringify(before) !== JSON.stringify(after) && attempt < 3) continue;
      expect(after, "ss gave different answers before and after tcpstat three times").toEqual(before);
      counts.set(theirs.join(" "), before.length);
      expect(got).toEqual(before);
      return;
    }
  });

  it("the cases are not vacuous: all but one select something, most a strict subset", () => {
    const all = counts.get("-tua")!;
    expect(all).toBeGreaterThan(80);
    const sizes = CASES.map(([, theirs]) => counts.get(theirs.join(" ")));
    // closing is the one state nobody can hold still (it needs a simultaneous close).
    expect(sizes.filter((n) => n === 0)).toHaveLength(1);
    expect(counts.get("-t state closing")).toBe(0);
    expect(sizes.filter((n) => n !== undefined && n > 0 && n < all).length).toBeGreaterThan(35);
  });
});

describe("owner filters against ss -p", () => {
  it("--pid selects the sockets ss -p names that pid for", () => {
    const pid = scenario.pythonPid;
    const expected = ss(["-tua"], (s) => s.pid === pid);
    expect(expected.length).toBeGreaterThan(40);
    expect(tcpstat(["-tu", "--pid", String(pid)], true)).toEqual(expected);
  });

  it("--pid with a list selects both owners", () => {
    const pids = [scenario.pythonPid, scenario.nodePid];
    const expected = ss(["-ta"], (s) => s.pid !== null && pids.includes(s.pid));
    expect(tcpstat(["--pid", pids.join(",")], true)).toEqual(expected);
  });

  it("--process matches the process name case-insensitively, like ss's users:((name)) field", () => {
    expect(tcpstat(["-tu", "--process", "python"], true)).toEqual(ss(["-tua"], (s) => s.process?.includes("python") ?? false));
    const node = tcpstat(["--process", "NODE"], true);
    expect(node).toEqual(ss(["-ta"], (s) => s.process === NODE_NAME));
    expect(node).toEqual([`tcp 127.0.0.1:${NODE_PORT} -> *:* LISTEN`]);
    // a name with a space, as comm allows
    expect(tcpstat(["--process", "web 1"], true)).toEqual(node);
  });

  it("--pid of a process without sockets selects nothing", () => {
    expect(tcpstat(["--pid", "1"], true)).toEqual([]);
  });
});
