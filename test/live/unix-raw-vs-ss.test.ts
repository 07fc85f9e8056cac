import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { BIN, runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import type { SocketRecord } from "../../src/model/socket.js";

/**
 * -x/--unix against `ss -xap` and -w/--raw against `ss -wanp`, on sockets two processes hold in a
 * fresh network namespace: an abstract listener (a control character in its name) with one
 * client from each process (the second another user's), a listener on a path holding a space and a line end, a
 * socketpair, a bound datagram socket, an unbound seqpacket one; raw ICMP, ICMPv6 and a
 * connected raw socket of protocol 255.
 */

let ns: Netns;
let dir: string;
let holder: number;
let other: number;
const ABSTRACT = "i18b-abs\x01x";
let pathName: string;

beforeAll(async () => {
  ns = createNetns();
  ns.run("ip", ["link", "set", "lo", "up"]);
  dir = mkdtempSync(join(tmpdir(), "s2-18b-"));
  pathName = join(dir, "listen 7 here\nnow.sock");
  const script = `
import socket, sys, os, time
path = sys.argv[1]
a = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); a.bind(b"\\0${ABSTRACT}"); a.listen()
# A second process, another user, connected to the listener: it holds no other socket, and
# ends when this one does (its read of the pipe returns then).
r, w = os.pipe()
other = os.fork()
if other == 0:
    a.close(); os.close(w)
    os.setgid(65534); os.setuid(65534)
    k = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); k.connect(b"\\0${ABSTRACT}")
    os.read(r, 1); os._exit(0)
os.close(r)
ak, _ = a.accept()
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); c.connect(b"\\0${ABSTRACT}"); ac, _ = a.accept()
p = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); p.bind(path); p.listen()
pc = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); pc.connect(path); pa, _ = p.accept()
x, y = socket.socketpair()
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); d.bind(path + ".dgram")
q = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
r4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
r6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 58)
rc = socket.socket(socket.AF_INET, socket.SOCK_RAW, 255); rc.connect(("127.0.0.2", 0))
print(os.getpid(), other, flush=True)
time.sleep(600)`;
  [holder, other] = (await lineFrom(ns.spawn("python3", ["-c", script, pathName]), "unix and raw holder")).split(" ").map(Number) as [number, number];
});
afterAll(() => {
  ns?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** ss's State words, as ss(8) prints them, and the canonical states they stand for. */
const SS_WORDS: Record<string, string> = { ESTAB: "ESTABLISHED", UNCONN: "CLOSE", LISTEN: "LISTEN", "SYN-SENT": "SYN_SENT", CLOSING: "CLOSING" };
const TYPES: Record<string, string> = { u_str: "stream", u_dgr: "dgram", u_seq: "seqpacket" };

interface SsUnix {
  type: string;
  state: string;
  recvQ: number;
  sendQ: number;
  name: string;
  inode: number;
  peerInode: number;
  pid: number | null;
  process: string | null;
}

/**
 * `ss -xapH` rows; a name holding a line end goes on over the next line, as ss prints it. The
 * users:(...) field ends a row, and a name is whatever stands between the queues and the inode.
 */
function ssUnix(): SsUnix[] {
  const text = ns.run("ss", ["-xapH"]).stdout;
  const rows = text.split(/\n(?=u_)/).map((l) => l.replace(/\s+$/, ""));
  return rows.map((row) => {
    const m = /^(u_\w+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(.*?)\s+(\d+)\s+\*\s+(\d+)(?:\s+users:\(\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=\d+\)\))?$/s.exec(row);
    if (!m) throw new Error(`ss line not read: ${JSON.stringify(row)}`);
    return {
      type: TYPES[m[1]!]!,
      state: SS_WORDS[m[2]!]!,
      recvQ: Number(m[3]),
      sendQ: Number(m[4]),
      name: m[5]!,
      inode: Number(m[6]),
      peerInode: Number(m[7]),
      pid: m[9] === undefined ? null : Number(m[9]),
      process: m[8] ?? null,
    };
  });
}

describe("-x agrees with ss -xap", () => {
  it("every unix socket: type, state, queues, name, inode, peer inode, holder and the peer's holder", () => {
    const ss = ssUnix();
    const r = runTcpstat(["-x", "--json"], { netns: ns });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const records = JSON.parse(r.stdout) as SocketRecord[];
    // 2 abstract clients, their 2 accepted ends, the listener; path listener, client, accepted; pair; dgram; seqpacket.
    expect(ss).toHaveLength(12);
    expect(records).toHaveLength(ss.length);
    const byInode = new Map(ss.map((s) => [s.inode, s]));
    for (const rec of records) {
      const s = byInode.get(rec.inode!);
      expect(s, `inode ${rec.inode}`).toBeDefined();
      expect(rec.proto).toBe("unix");
      expect(rec.family).toBe("unix");
      expect(rec.unix!.type).toBe(s!.type);
      expect(rec.state).toBe(s!.state);
      expect([rec.recvQ, rec.sendQ]).toEqual([s!.recvQ, s!.sendQ]);
      expect(rec.localAddress).toBe(s!.name);
      expect(rec.unix!.path).toBe(s!.name === "*" ? null : s!.name);
      expect(rec.unix!.peerInode).toBe(s!.peerInode);
      expect(rec.pid).toBe(s!.pid);
      expect(rec.process).toBe(s!.process);
      const peer = s!.peerInode === 0 ? undefined : byInode.get(s!.peerInode);
      expect(rec.unix!.peerPid).toBe(peer?.pid ?? null);
      expect(rec.unix!.peerProcess).toBe(peer?.process ?? null);
    }
    // What the test made, named: the abstract one marked by @, the path with its line end, the pair.
    const abstract = records.filter((x) => x.unix!.path === `@${ABSTRACT}`);
    expect(abstract.map((x) => x.state).sort()).toEqual(["ESTABLISHED", "ESTABLISHED", "LISTEN"]);
    expect(abstract.every((x) => x.unix!.abstract)).toBe(true);
    expect(records.filter((x) => x.unix!.path === pathName).map((x) => x.state).sort()).toEqual(["ESTABLISHED", "LISTEN"]);
    expect(records.find((x) => x.unix!.path === `${pathName}.dgram`)!.unix!.type).toBe("dgram");
    // The second process's client: its peer is the first process's accepted end, and back.
    const far = records.find((x) => x.pid === other)!;
    expect(far.unix!.peerPid).toBe(holder);
    expect(records.find((x) => x.inode === far.unix!.peerInode)!.unix!.peerPid).toBe(other);
    // The socketpair: two unbound stream sockets of the holder, each the other's peer.
    const pair = records.filter((x) => x.unix!.path === null && x.unix!.type === "stream" && records.some((y) => y.inode === x.unix!.peerInode && y.unix!.path === null));
    expect(pair).toHaveLength(2);
    expect(pair[0]!.unix!.peerInode).toBe(pair[1]!.inode);
    expect(pair.every((x) => x.pid === holder && x.unix!.peerPid === holder)).toBe(true);
  });

  it("the table: ss's columns, names escaped, the peer's process", () => {
    const r = runTcpstat(["-x"], { netns: ns });
    expect(r.status).toBe(0);
    const [head, ...rows] = r.stdout.trimEnd().split("\n");
    expect(head!.split(/\s{2,}/)).toEqual(["Netid", "State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port", "PID/Program", "Peer PID/Program"]);
    expect(rows, r.stdout).toHaveLength(12);
    expect(r.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f]/);
    const listener = rows.find((l) => l.includes("@i18b-abs\\x01x") && l.includes("LISTEN"))!;
    expect(listener).toMatch(/^u_str\s+LISTEN\s+0\s+\d+\s+@i18b-abs\\x01x \d+\s+\* 0\s+\d+\/python3\s+-$/);
    expect(r.stdout).toContain(`${pathName.replace("\n", "\\x0a")} `);
    // The second process's client, unbound, and the end it reaches, named after the listener.
    expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^u_str\\s+ESTAB\\s+0\\s+0\\s+\\* \\d+\\s+\\* \\d+\\s+${other}/python3\\s+${holder}/python3$`)));
    expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^u_str\\s+ESTAB\\s+0\\s+0\\s+@i18b-abs\\\\x01x \\d+\\s+\\* \\d+\\s+${holder}/python3\\s+${other}/python3$`)));
  });

  it("filters: -xl lists LISTEN and UNCONN, as ss -xl; --pid; a port selects none", () => {
    const listening = JSON.parse(runTcpstat(["-xl", "--json"], { netns: ns }).stdout) as SocketRecord[];
    const ssl = ns.run("ss", ["-xlH"]).stdout.trim().split(/\n(?=u_)/);
    expect(ssl).toHaveLength(4);
    expect(listening).toHaveLength(ssl.length);
    expect(listening.map((x) => x.state).sort()).toEqual(ssl.map((l) => SS_WORDS[l.split(/\s+/)[1]!]).sort());
    const mine = JSON.parse(runTcpstat(["-x", "--pid", String(other), "--json"], { netns: ns }).stdout) as SocketRecord[];
    expect(mine).toHaveLength(1);
    expect(JSON.parse(runTcpstat(["-x", "--port", "22", "--json"], { netns: ns }).stdout)).toEqual([]);
  });

  it("without ss: names, states, inodes and holders from /proc, peers and queues null, said once", () => {
    const script = `mount --bind /dev/null /usr/bin/ss && exec "$0" "$@"`;
    const r = ns.run("unshare", ["-m", "sh", "-c", script, process.execPath, BIN, "-x", "--json"], { env: { ...process.env, NO_COLOR: "1" } });
    expect(r.status).toBe(0);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^tcpstat: ss \(iproute2\) was not found: unix sockets' peers and queues are unknown/)]);
    const records = JSON.parse(r.stdout) as SocketRecord[];
    const ss = ssUnix();
    expect(records).toHaveLength(ss.length);
    for (const rec of records) {
      const s = ss.find((x) => x.inode === rec.inode)!;
      expect([rec.state, rec.pid, rec.localAddress]).toEqual([s.state, s.pid, s.name]);
      expect([rec.recvQ, rec.sendQ, rec.unix!.peerInode]).toEqual([null, null, null]);
    }
  });
});

describe("-w agrees with ss -wanp", () => {
  it("every raw socket: state, local address and protocol, peer, holder", () => {
    const ss = ns.run("ss", ["-wanpH"]).stdout.trim().split("\n");
    const r = runTcpstat(["-w", "--json"], { netns: ns });
    expect(r.stderr).toBe("");
    const records = JSON.parse(r.stdout) as SocketRecord[];
    expect(ss).toHaveLength(3);
    expect(records).toHaveLength(3);
    for (const line of ss) {
      const m = /^(\S+)\s+(\d+)\s+(\d+)\s+(\S+):(\d+)\s+(\S+):\*\s+users:\(\("([^"]+)",pid=(\d+),fd=\d+\)\)$/.exec(line.trim())!;
      expect(m, line).not.toBeNull();
      // ss shows the IPv6 wildcard as *.
      const address = (a: string) => (a === "*" ? "::" : a.replace(/^\[|\]$/g, ""));
      const rec = records.find((x) => x.localAddress === address(m[4]!) && x.localPort === Number(m[5]))!;
      expect(rec, line).toBeDefined();
      expect(rec.proto).toBe("raw");
      expect(rec.state).toBe(SS_WORDS[m[1]!]);
      expect([rec.recvQ, rec.sendQ]).toEqual([Number(m[2]), Number(m[3])]);
      const peer = address(m[6]!);
      expect(rec.remoteAddress).toBe(peer === "0.0.0.0" || peer === "::" ? null : peer);
      expect(rec.remotePort).toBeNull();
      expect([rec.pid, rec.process]).toEqual([Number(m[8]), m[7]]);
    }
    expect(records.map((x) => `${x.family} ${x.localPort}`).sort()).toEqual(["ipv4 1", "ipv4 255", "ipv6 58"]);
  });

  it("the table, and -tw with TCP (none here)", () => {
    const r = runTcpstat(["-w"], { netns: ns });
    const rows = r.stdout.trimEnd().split("\n");
    expect(rows[0]!.split(/\s{2,}/)).toEqual(["Netid", "State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port", "PID/Program"]);
    expect(rows.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join(" ")).sort()).toEqual(["raw ESTAB", "raw UNCONN", "raw UNCONN"]);
    expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^raw\\s+ESTAB\\s+0\\s+0\\s+127\\.0\\.0\\.1:255\\s+127\\.0\\.0\\.2:\\*\\s+${holder}/python3$`)));
    expect(runTcpstat(["-tw", "-H"], { netns: ns }).stdout.trimEnd().split("\n")).toHaveLength(3);
  });
});

describe("--input of ss -x output", () => {
  it("is not read as TCP or UDP: its unix sockets are counted and said", () => {
    const capture = ns.run("ss", ["-xa"]).stdout;
    const r = runTcpstat(["--input", "-", "--json"], { input: capture });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    const [skipped, unreadable, ...rest] = r.stderr.trimEnd().split("\n");
    const kinds = /^tcpstat: skipped 12 socket\(s\) of other kinds in stdin \((.*)\): --input replays TCP and UDP; list unix and raw sockets live with tcpstat -x, -w$/.exec(skipped!);
    expect(kinds?.[1]?.split(", ").sort()).toEqual(["u_dgr 1", "u_seq 1", "u_str 10"]);
    // The three names holding a line end go on over a second line, which no parser can place.
    expect(unreadable).toMatch(/^tcpstat: skipped 3 unreadable line\(s\); first at stdin:\d+: /);
    expect(rest).toEqual([]);
  });
});

describe("where -w and -x cannot apply: refused, one line, exit 2", () => {
  it.each([
    [["-x", "summary"], /^tcpstat: -x \(--unix\) does not apply to summary/],
    [["-w", "metrics"], /^tcpstat: -w \(--raw\) does not apply to metrics/],
    [["-x", "doctor"], /^tcpstat: -x \(--unix\) does not apply to doctor/],
    [["summary", "-x"], /^tcpstat: unknown option '-x'/],
    [["-x", "-s"], /^tcpstat: -s \(the summary\) does not go with -x/],
    [["-x", "--format", "prometheus"], /^tcpstat: -x\/--unix does not apply to --format prometheus/],
    [["-w", "--watch"], /^tcpstat: -w\/--raw does not apply to --watch/],
    [["-x", "-i"], /^tcpstat: -x\/--unix does not apply to -i\/--info/],
    [["-x", "--input", "-"], /^tcpstat: -x\/--unix does not apply to --input/],
    [["-w", "-N", "x"], /^tcpstat: -w\/--raw does not apply to --netns/],
  ])("tcpstat %j", (args, message) => {
    const r = runTcpstat(args, { input: "" });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(message)]);
  });
});
