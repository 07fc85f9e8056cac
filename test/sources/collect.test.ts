import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TcpstatError } from "../../src/errors.js";
import type { ExecRunner } from "../../src/lib/exec.js";
import { collectFreebsd } from "../../src/sources/freebsd/collect.js";
import { defaultSourceChain, SOURCES } from "../../src/sources/index.js";
import { collectLinuxNetstat } from "../../src/sources/linux-netstat/collect.js";
import { collectSs } from "../../src/sources/linux-ss/collect.js";
import { collectLsof } from "../../src/sources/lsof/collect.js";
import { collectMacos } from "../../src/sources/macos-netstat/collect.js";
import { collectSystemInformation, normalizeSiConnection } from "../../src/sources/systeminformation/collect.js";

const fixture = (path: string) => readFileSync(fileURLToPath(new URL(`../../fixtures/${path}`, import.meta.url)), "utf8");

/** A fake runner: answers the commands it knows with fixture text and records every call. */
function fakeExec(answers: Record<string, string | Error>): ExecRunner & { calls: string[] } {
  const calls: string[] = [];
  const run = async (cmd: string, args: readonly string[]) => {
    const key = [cmd, ...args].join(" ");
    calls.push(key);
    const answer = answers[key];
    if (answer === undefined) throw new Error(`unexpected command: ${key}`);
    if (answer instanceof Error) throw answer;
    return Buffer.from(answer);
  };
  return Object.assign(run, { calls });
}

const ALL = { protos: ["tcp", "udp"] as const, families: ["ipv4", "ipv6"] as const, owners: true };

describe("collectMacos", () => {
  it("runs netstat -anv per protocol and needs no lsof when netstat names the pids", async () => {
    const exec = fakeExec({
      "netstat -anv -p tcp": fixture("macos-netstat/tahoe-26/netstat-anv-p-tcp.txt"),
      "netstat -anv -p udp": fixture("macos-netstat/tahoe-26/netstat-anv-p-udp.txt"),
    });
    const r = await collectMacos({ ...ALL, protos: ["tcp", "udp"], families: ["ipv4", "ipv6"], exec });
    expect(exec.calls).toEqual(["netstat -anv -p tcp", "netstat -anv -p udp"]);
    expect(r.records).toHaveLength(7);
    expect(r.records.find((x) => x.localPort === 7000 && x.state === "LISTEN")).toMatchObject({ pid: 1065, process: "ControlCenter" });
  });

  it("falls back to lsof -F for pids where netstat prints none", async () => {
    const exec = fakeExec({
      "netstat -anv -p tcp": `Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)
tcp46      0      0  *.7000                 *.*                    LISTEN
tcp4       0      0  192.168.1.5.50313      142.250.74.46.443      ESTABLISHED
tcp4       0      0  10.9.9.9.1             10.9.9.8.2             ESTABLISHED
`,
      "lsof -nP -w -iTCP -iUDP -F pcnPtTf": fixture("lsof/macos-15/lsof-F-pcnPtTf.txt"),
    });
    const r = await collectMacos({ protos: ["tcp"], families: ["ipv4", "ipv6"], owners: true, exec });
    expect(exec.calls).toEqual(["netstat -anv -p tcp", "lsof -nP -w -iTCP -iUDP -F pcnPtTf"]);
    expect(r.records.map((x) => [x.localPort, x.pid, x.process])).toEqual([
      [7000, 1065, "ControlCenter"],
      [50313, 733, "Google Chrome Helper"],
      [1, null, null],
    ]);
    expect(r.notices.join("\n")).toMatch(/1 socket\(s\) have no known owner/);
  });

  it("still lists sockets when lsof is missing, and says why owners are unknown", async () => {
    const exec = fakeExec({
      "netstat -anv -p tcp": "Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)\ntcp4 0 0 *.22 *.* LISTEN\n",
      "lsof -nP -w -iTCP -iUDP -F pcnPtTf": new TcpstatError("'lsof' was not found", "install lsof"),
    });
    const r = await collectMacos({ protos: ["tcp"], families: ["ipv4"], owners: true, exec });
    expect(r.records).toHaveLength(1);
    expect(r.notices).toEqual(["owners unknown: netstat printed no pids and lsof failed ('lsof' was not found)"]);
  });
});

describe("collectFreebsd", () => {
  it("takes states from netstat and owners from sockstat, matched by endpoints", async () => {
    const exec = fakeExec({
      "netstat -an -p tcp": fixture("freebsd/14/netstat-an.txt"),
      "sockstat -46": fixture("freebsd/14/sockstat-46.txt"),
    });
    const r = await collectFreebsd({ protos: ["tcp"], families: ["ipv4", "ipv6"], owners: true, exec });
    expect(r.records.map((x) => `${x.localAddress}:${x.localPort} ${x.state} ${x.pid} ${x.process}`)).toEqual([
      "192.168.1.10:443 ESTABLISHED 1188 nginx",
      "192.168.1.10:22 FIN_WAIT2 null null",
      ":::8080 LISTEN 1188 nginx",
      "0.0.0.0:22 LISTEN 1021 sshd",
      ":::22 LISTEN 1021 sshd",
    ]);
  });
});

describe("collectLsof, collectSs, collectLinuxNetstat", () => {
  it("run their fixed command lines and keep the selected protocols", async () => {
    const lsof = await collectLsof({ protos: ["udp"], families: ["ipv4", "ipv6"], owners: true, exec: fakeExec({ "lsof -nP -w -iTCP -iUDP -F pcnPtTf": fixture("lsof/linux-debian-12/lsof-F-pcnPtTf.txt") }) });
    expect(lsof.records.map((x) => `${x.proto} ${x.localPort}`)).toEqual(["udp 5353", "udp 36329"]);
    const ss = await collectSs({ protos: ["tcp"], families: ["ipv6"], owners: true, exec: fakeExec({ "ss -tuanpe": fixture("linux-ss/debian-12/ss-tuanp.txt") }) });
    expect(ss.records.map((x) => `${x.localAddress}:${x.localPort} ${x.pid}`)).toEqual([":::8443 19584"]);
    const ns = await collectLinuxNetstat({ protos: ["tcp"], families: ["ipv4"], owners: false, exec: fakeExec({ "netstat -tuane": fixture("linux-netstat/debian-12/netstat-tuanp.txt") }) });
    expect(ns.records).toHaveLength(3);
  });
});

describe("systeminformation source", () => {
  it("normalizes networkConnections() rows into records", async () => {
    const rows = [
      { protocol: "tcp", localAddress: "0.0.0.0", localPort: "22", peerAddress: "0.0.0.0", peerPort: "*", state: "LISTEN", pid: 600, process: "sshd" },
      { protocol: "tcp6", localAddress: "::", localPort: "443", peerAddress: "::", peerPort: "*", state: "LISTEN", pid: 0, process: "" },
      { protocol: "tcp4", localAddress: "192.168.1.5", localPort: "50313", peerAddress: "142.250.74.46", peerPort: "443", state: "ESTABLISHED", pid: 733, process: "Chrome" },
      { protocol: "tcp", localAddress: "::ffff:127.0.0.1", localPort: "8080", peerAddress: "::ffff:127.0.0.1", peerPort: "40558", state: "TIME_WAIT", pid: null, process: "" },
      { protocol: "udp", localAddress: "0.0.0.0", localPort: "68", peerAddress: "*", peerPort: "*", state: "", pid: 535, process: "dhclient" },
      { protocol: "icmp", localAddress: "", localPort: "", peerAddress: "", peerPort: "", state: "", pid: null, process: "" },
    ];
    const r = await collectSystemInformation({ protos: ["tcp", "udp"], families: ["ipv4", "ipv6"], owners: true, networkConnections: async () => rows });
    expect(r.records.map((x) => `${x.proto} ${x.family} ${x.localAddress}:${x.localPort} ${x.remoteAddress}:${x.remotePort} ${x.state} ${x.pid} ${x.process}`)).toEqual([
      "tcp ipv4 0.0.0.0:22 null:null LISTEN 600 sshd",
      "tcp ipv6 :::443 null:null LISTEN null null",
      "tcp ipv4 192.168.1.5:50313 142.250.74.46:443 ESTABLISHED 733 Chrome",
      "tcp ipv6 ::ffff:127.0.0.1:8080 ::ffff:127.0.0.1:40558 TIME_WAIT null null",
      "udp ipv4 0.0.0.0:68 null:null null 535 dhclient",
    ]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ source: "systeminformation", line: 6, reason: "unknown protocol 'icmp'" });
    expect(normalizeSiConnection({ ...rows[0]!, state: "WEIRD" })).toBe("unknown TCP state 'WEIRD'");
  });
});

describe("source registry", () => {
  it("names a chain for each platform, each entry a registered source", () => {
    expect(defaultSourceChain("linux")).toEqual(["procfs", "linux-ss"]);
    expect(defaultSourceChain("darwin")).toEqual(["macos-netstat", "lsof", "systeminformation"]);
    expect(defaultSourceChain("freebsd")).toEqual(["freebsd", "lsof", "systeminformation"]);
    expect(defaultSourceChain("openbsd")).toEqual(["lsof", "systeminformation"]);
    expect(defaultSourceChain("haiku" as NodeJS.Platform)).toEqual(["systeminformation"]);
    for (const p of ["linux", "darwin", "freebsd", "openbsd", "sunos"] as NodeJS.Platform[])
      for (const name of defaultSourceChain(p)) expect(SOURCES[name], name).toBeDefined();
  });
});
