import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SocketRecordSchema } from "../../src/model/socket.js";
import { replayCapture, sniff } from "../../src/sources/replay.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Issue 16's pasted layouts (items 1, 2, 8, 9, 10): each hand-written capture is detected as its
 * format and replays into the hand-checked .json beside it, with no problem reported.
 */
const BSD = "macos-netstat|freebsd-netstat"; // one parser; the UNIX-domain section picks the name
const GOLDEN: Array<[path: string, format: string]> = [
  ["fixtures/windows-netstat/en/netstat-ano-t.txt", "windows-netstat"],
  ["fixtures/windows-netstat/de/netstat-an-t.txt", "windows-netstat"],
  ["fixtures/windows-netstat/en/netstat-anob-gaps.txt", "windows-netstat"],
  ["fixtures/windows-powershell/en/get-nettcpconnection.txt", "powershell"],
  ["fixtures/windows-powershell/en/get-nettcpconnection-narrow.txt", "powershell"],
  ["fixtures/windows-powershell/en/get-netudpendpoint.txt", "powershell"],
  ["fixtures/windows-powershell/en/select-object.txt", "powershell"],
  ["fixtures/windows-powershell/en/format-list.txt", "powershell"],
  ["fixtures/lsof/linux-debian-12/lsof-nP-E-iTCP-iUDP.txt", "lsof"],
  ["fixtures/lsof/linux-debian-12/lsof-nP-plusE-p-iTCP.txt", "lsof"],
  ["fixtures/bsd-netstat/openbsd-7/netstat-an.txt", BSD],
  ["fixtures/bsd-netstat/netbsd-10/netstat-an.txt", BSD],
  ["fixtures/bsd-netstat/qnx-7/netstat-an.txt", BSD],
  ["fixtures/bsd-netstat/aix-7.3/netstat-Aan.txt", BSD],
  ["fixtures/solaris-netstat/solaris-11/netstat-an.txt", "solaris-netstat"],
  ["fixtures/solaris-netstat/illumos-omnios/netstat-anu-f-inet.txt", "solaris-netstat"],
];

describe("pasted layouts replay into their hand-checked records", () => {
  it.each(GOLDEN)("%s (%s)", (path, format) => {
    const text = readFileSync(ROOT + path, "utf8");
    expect(sniff(text)?.name).toMatch(new RegExp(`^(${format})$`));
    const result = replayCapture(text, { source: path });
    expect(result.problems).toEqual([]);
    expect(result.records).toEqual(JSON.parse(readFileSync(ROOT + path.replace(/\.txt$/, ".json"), "utf8")));
    for (const r of result.records) SocketRecordSchema.parse(r);
  });
});

describe("Solaris netstat rows without their headings", () => {
  it("a grep of the rows is read by their shape: four counters make a TCP row", () => {
    const text = "$ netstat -an | grep 22\n      *.22                 *.*                0      0 128000      0 LISTEN\n10.0.2.15.22         10.0.2.2.51544       64128     52 128872      0 ESTABLISHED\n";
    const r = replayCapture(text, { source: "t" });
    expect(r.format).toBe("solaris-netstat");
    expect(r.problems).toEqual([]);
    expect(r.records.map((x) => [x.proto, x.family, x.localAddress, x.localPort, x.state, x.sendQ])).toEqual([
      ["tcp", "ipv4", "0.0.0.0", 22, "LISTEN", 0],
      ["tcp", "ipv4", "10.0.2.15", 22, "ESTABLISHED", 52],
    ]);
  });
});

describe("BSD netstat: the section decides a bare tcp/udp row's family", () => {
  it("Internet is IPv4, Internet6 IPv6, and without a heading the address decides", () => {
    const sectioned = [
      "Active Internet connections (including servers)",
      "Proto   Recv-Q Send-Q  Local Address          Foreign Address        TCP-State",
      "tcp          0      0  127.0.0.1.25           *.*                    LISTEN",
      "Active Internet6 connections (including servers)",
      "Proto   Recv-Q Send-Q  Local Address          Foreign Address        TCP-State",
      "tcp          0      0  *.22                   *.*                    LISTEN",
    ].join("\n");
    const a = replayCapture(sectioned, { source: "t" });
    expect(a.problems).toEqual([]);
    expect(a.records.map((r) => [r.family, r.localAddress])).toEqual([
      ["ipv4", "127.0.0.1"],
      ["ipv6", "::"],
    ]);
    const grep = "tcp        0      0  10.0.0.5.22   10.0.0.4.46592   ESTABLISHED\ntcp        0      0  ::1.25   *.*   LISTEN\n";
    const b = replayCapture(grep, { source: "t" });
    expect(b.problems).toEqual([]);
    expect(b.records.map((r) => [r.family, r.localAddress])).toEqual([
      ["ipv4", "10.0.0.5"],
      ["ipv6", "::1"],
    ]);
  });
});
