import { describe, expect, it } from "vitest";
import { parseBsdNetstat } from "../../../src/sources/macos-netstat/parse-netstat-anv.js";

const TAHOE = `Active Internet connections (including servers)
Proto Recv-Q Send-Q  Local Address                                 Foreign Address                               (state)          rxbytes      txbytes  rhiwat  shiwat          process:pid    state  options           gencnt    flags   flags1 usecnt rtncnt fltrs
tcp4       0      0  127.0.0.1.7000         127.0.0.1.50300        ESTABLISHED           512        65535  131072  131072 Code Helper (Plu:21891  00102 00000008 00000000001c3a60 00000081 04000900      2      0 000000
tcp6       0      0  *.56966                *.*                    LISTEN                 0            0  131072  131072         rapportd:967    00100 00000006 00000000001b29ed 00000001 00000800      1      0 000000
`;

describe("parseBsdNetstat", () => {
  it("reads Tahoe's process:pid column by the header, names with spaces, never a byte count as pid", () => {
    const { records, problems } = parseBsdNetstat(TAHOE);
    expect(problems).toEqual([]);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      proto: "tcp",
      family: "ipv4",
      localAddress: "127.0.0.1",
      localPort: 7000,
      remoteAddress: "127.0.0.1",
      remotePort: 50300,
      state: "ESTABLISHED",
      pid: 21891,
      process: "Code Helper (Plu",
    });
    expect(records[1]).toMatchObject({ family: "ipv6", localAddress: "::", localPort: 56966, remoteAddress: null, state: "LISTEN", pid: 967, process: "rapportd" });
  });

  it("reads the Mojave -v layout (pid column) and maps BSD state words", () => {
    const text = `Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)     rhiwat shiwat    pid   epid  state    options
tcp4       0      0  192.168.1.5.22         192.168.1.20.60122     SYN_RCVD    131072 131072    88      0 0x0102 0x00000000
tcp4       0      0  192.168.1.5.52001      17.253.35.204.80       FIN_WAIT_1  131072 131072   9811      0 0x0102 0x00000000
tcp4       0      0  *.*                    *.*                    CLOSED      131072 131072    512      0 0x0100 0x00000000
`;
    const { records } = parseBsdNetstat(text);
    expect(records.map((r) => [r.state, r.pid])).toEqual([
      ["SYN_RECV", 88],
      ["FIN_WAIT1", 9811],
      ["CLOSE", 512],
    ]);
    expect(records[2]).toMatchObject({ localAddress: "0.0.0.0", localPort: 0, remoteAddress: null });
  });

  it("leaves UDP state null, skips other protocols and the UNIX section, counts garbage", () => {
    const text = `Active Internet connections (including servers)
Proto Recv-Q Send-Q Local Address          Foreign Address        (state)
udp46      0      0 *.5353                 *.*
icm4    8136      0 *.*                    *.*
this is not a socket row
udp4       0      0 192.168.1.5.52213      192.168.1.1.53
Active UNIX domain sockets
Address          Type   Recv-Q Send-Q            Inode             Conn             Refs          Nextref Addr
fffff80003ab6100 stream      0      0                0 fffff80003ab6200                0                0
`;
    const { records, problems } = parseBsdNetstat(text, { source: "cap.txt" });
    expect(records.map((r) => `${r.proto} ${r.family} ${r.localAddress}:${r.localPort} ${r.remoteAddress}:${r.remotePort} ${r.state}`)).toEqual([
      "udp ipv6 :::5353 null:null null",
      "udp ipv4 192.168.1.5:52213 192.168.1.1:53 null",
    ]);
    expect(problems).toEqual([{ source: "cap.txt", line: 5, text: "this is not a socket row", reason: "not a netstat socket row" }]);
  });

  it("keeps addresses netstat cut off as printed and says so", () => {
    const text = `Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)
tcp6       0      0  fe80::87e6:73b7:.1024  fe80::6767:806c:.1024  SYN_SENT`;
    const { records, notices } = parseBsdNetstat(text);
    expect(records[0]).toMatchObject({ localAddress: "fe80::87e6:73b7:", localPort: 1024, state: "SYN_SENT" });
    expect(notices[0]).toMatch(/^1 row\(s\) fill netstat's address column/);
  });
});
