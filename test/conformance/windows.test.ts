import { existsSync, readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { SocketRecord } from "../../src/model/socket.js";
import { parseNetstatAno } from "../../src/sources/windows-netstat/parse-netstat-ano.js";
import { parseTasklist } from "../../src/sources/windows-netstat/parse-tasklist.js";
import { runTcpstat } from "../helpers/cli.js";

/**
 * Real Windows captures from other machines (../shared/fixtures-real/windows, see its
 * PROVENANCE.md), read where they lie, never copied. Expected counts were made by hand from
 * the files (counting the TCP/UDP rows per family and state word with grep), not by the parser.
 */
const DIR = new URL("../../../shared/fixtures-real/windows/", import.meta.url);
const present = existsSync(DIR);
if (!present) console.warn("conformance/windows: skipped, ../shared/fixtures-real/windows is absent (real captures live outside the repo)");

const read = (name: string) => readFileSync(new URL(name, DIR), "utf8");
const tally = (records: SocketRecord[]) => {
  const out: Record<string, number> = {};
  for (const r of records) {
    const key = `${r.proto}/${r.family}/${r.state ?? "-"}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
};
const find = (records: SocketRecord[], proto: string, address: string, port: number) =>
  records.filter((r) => r.proto === proto && r.localAddress === address && r.localPort === port);

const COUNTS: Record<string, Record<string, number>> = {
  "win-netstat-ano-ja-snippet-deindented.txt": { "tcp/ipv4/LISTEN": 5 },
  "win-netstat-ano-zh-cn-snippet.txt": { "tcp/ipv4/LISTEN": 7 },
  "win-netstat-ru-resolved-names.txt": { "tcp/ipv4/ESTABLISHED": 18, "tcp/ipv4/TIME_WAIT": 16 },
  "win10-netstat-an-en.txt": { "tcp/ipv4/ESTABLISHED": 32, "tcp/ipv4/LISTEN": 33, "tcp/ipv6/LISTEN": 15, "udp/ipv4/-": 140, "udp/ipv6/-": 40 },
  "win10-netstat-an-es.txt": { "tcp/ipv4/CLOSE_WAIT": 7, "tcp/ipv4/ESTABLISHED": 12, "tcp/ipv4/LISTEN": 11, "tcp/ipv4/TIME_WAIT": 5, "tcp/ipv6/LISTEN": 9, "udp/ipv4/-": 6, "udp/ipv6/-": 2 },
  "win10-netstat-ano-en.txt": { "tcp/ipv4/ESTABLISHED": 32, "tcp/ipv4/LISTEN": 24, "tcp/ipv6/LISTEN": 15, "udp/ipv4/-": 124, "udp/ipv6/-": 13 },
  "win10-netstat-anob-en.txt": { "tcp/ipv4/CLOSE_WAIT": 6, "tcp/ipv4/ESTABLISHED": 54, "tcp/ipv4/LISTEN": 36, "tcp/ipv4/TIME_WAIT": 3, "tcp/ipv6/LISTEN": 15, "udp/ipv4/-": 141, "udp/ipv6/-": 63 },
  "win10-netstat-anob-p-tcp-fr-indented.txt": { "tcp/ipv4/CLOSE_WAIT": 1, "tcp/ipv4/ESTABLISHED": 10, "tcp/ipv4/LISTEN": 15 },
  "win10-netstat-nabo-es-cp850-mojibake.txt": { "tcp/ipv4/ESTABLISHED": 32, "tcp/ipv4/LISTEN": 11, "tcp/ipv4/TIME_WAIT": 29, "tcp/ipv6/LISTEN": 9, "udp/ipv4/-": 6, "udp/ipv6/-": 2 },
  "win11-netstat-aon-es-trimmed.txt": { "tcp/ipv4/ESTABLISHED": 1, "tcp/ipv4/LISTEN": 7, "tcp/ipv4/TIME_WAIT": 1, "tcp/ipv6/LISTEN": 1, "udp/ipv4/-": 2 },
};

describe.skipIf(!present)("real Windows captures", () => {
  it("every netstat capture in the folder has expectations here", () => {
    const files = readdirSync(DIR).filter((f) => f.includes("netstat"));
    expect(files.sort()).toEqual(Object.keys(COUNTS).sort());
  });

  it.each(Object.keys(COUNTS))("%s: every socket, counted per state, no problems", (name) => {
    const { records, problems } = parseNetstatAno(read(name), { source: name });
    expect(problems).toEqual([]);
    expect(tally(records)).toEqual(COUNTS[name]);
  });

  it("netstat -aon (English): addresses, zones, PIDs", () => {
    const { records } = parseNetstatAno(read("win10-netstat-ano-en.txt"));
    expect(find(records, "tcp", "0.0.0.0", 135)).toMatchObject([{ state: "LISTEN", pid: 1712, remoteAddress: null, remotePort: null }]);
    expect(find(records, "tcp", "127.0.0.1", 1031)).toMatchObject([{ state: "ESTABLISHED", remoteAddress: "127.0.0.1", remotePort: 1032, pid: 10644 }]);
    expect(find(records, "tcp", "::1", 1025)).toMatchObject([{ family: "ipv6", state: "LISTEN", pid: 6088 }]);
    expect(find(records, "udp", "0.0.0.0", 53)).toMatchObject([{ pid: 4808, state: null }, { pid: 4808, state: null }]);
    expect(find(records, "udp", "fe80::244e:2f1e:2096:62b2%9", 1900)).toMatchObject([{ family: "ipv6", pid: 8844 }]);
    expect(find(records, "udp", "fe80::f5d1:8bf7:c410:e325%64", 52284)).toMatchObject([{ pid: 8844 }]);
  });

  it("netstat -an: no PID column, and the hand-anonymised address survives as printed", () => {
    const { records } = parseNetstatAno(read("win10-netstat-an-en.txt"));
    expect(records.every((r) => r.pid === null)).toBe(true);
    expect(find(records, "udp", "fe80::asda:4124:2096:62b2%9", 1900)).toHaveLength(1);
  });

  it("netstat -anob: the [exe] line names the row above it", () => {
    const { records } = parseNetstatAno(read("win10-netstat-anob-en.txt"));
    expect(find(records, "tcp", "0.0.0.0", 135)).toMatchObject([{ pid: 1712, process: "svchost.exe" }]);
    expect(find(records, "tcp", "0.0.0.0", 445)).toMatchObject([{ pid: 4, process: null }]);
    const fr = parseNetstatAno(read("win10-netstat-anob-p-tcp-fr-indented.txt")).records;
    expect(find(fr, "tcp", "127.0.0.1", 49938)).toMatchObject([
      { state: "LISTEN", pid: 12640, process: "NVIDIA Web Helper.exe" },
      { state: "ESTABLISHED", remotePort: 52910, pid: 12640, process: "NVIDIA Web Helper.exe" },
    ]);
  });

  it("Spanish captures: TIME_WAIT's PID 0 is no owner; mojibake headers are skipped", () => {
    const nabo = parseNetstatAno(read("win10-netstat-nabo-es-cp850-mojibake.txt")).records;
    expect(find(nabo, "tcp", "192.168.0.106", 50046)).toMatchObject([{ state: "TIME_WAIT", pid: null, remoteAddress: "34.120.208.123", remotePort: 443 }]);
    expect(find(nabo, "tcp", "0.0.0.0", 49664)).toMatchObject([{ pid: 980, process: "lsass.exe" }]);
    const aon = parseNetstatAno(read("win11-netstat-aon-es-trimmed.txt")).records;
    expect(find(aon, "udp", "0.0.0.0", 5355)).toMatchObject([{ pid: 2036 }]);
    expect(find(aon, "tcp", "10.0.2.15", 49672)).toMatchObject([{ state: "TIME_WAIT", pid: null }]);
  });

  it("Russian resolved names: service names become ports, host names stay", () => {
    const { records } = parseNetstatAno(read("win-netstat-ru-resolved-names.txt"));
    expect(find(records, "tcp", "192.168.1.63", 54784)).toMatchObject([{ remoteAddress: "router", remotePort: 53, state: "TIME_WAIT" }]);
    expect(find(records, "tcp", "192.168.1.63", 54546)).toMatchObject([{ remoteAddress: "149.154.167.99", remotePort: 443 }]);
    expect(find(records, "tcp", "127.0.0.1", 49726)).toMatchObject([{ remoteAddress: "linuxoid", remotePort: 49727 }]);
  });

  it("Japanese and Chinese: wide headers, PIDs", () => {
    expect(find(parseNetstatAno(read("win-netstat-ano-ja-snippet-deindented.txt")).records, "tcp", "0.0.0.0", 1433)).toMatchObject([{ pid: 4268, state: "LISTEN" }]);
    expect(find(parseNetstatAno(read("win-netstat-ano-zh-cn-snippet.txt")).records, "tcp", "0.0.0.0", 1688)).toMatchObject([{ pid: 3672, state: "LISTEN" }]);
  });

  it("tasklist table form (Chinese header, names with spaces)", () => {
    const { names, problems } = parseTasklist(read("win-tasklist-table-zh-cn-snippet.txt"));
    expect(problems).toEqual([]);
    expect(names.size).toBe(12);
    expect([0, 4, 148, 1124].map((pid) => names.get(pid))).toEqual(["System Idle Process", "System", "Registry", "svchost.exe"]);
  });

  it("tcpstat --input replays a capture into JSON records (built CLI)", () => {
    const file = new URL("win11-netstat-aon-es-trimmed.txt", DIR).pathname;
    const result = runTcpstat(["--input", file, "--json", "-tua", "--verbose"]);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain("windows-netstat");
    const records = JSON.parse(result.stdout) as SocketRecord[];
    expect(records).toHaveLength(12);
    expect(find(records, "tcp", "10.0.2.15", 51824)).toMatchObject([{ state: "ESTABLISHED", remoteAddress: "72.154.7.110", remotePort: 443, pid: 6760 }]);
  });
});
