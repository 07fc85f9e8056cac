import { describe, expect, it } from "vitest";
import { parseNetstat, parseSs, parseSsDuration } from "./reference-tools.js";

/** The readers the live tests trust must themselves read ss and netstat right (lines copied from real runs). */
describe("parseSsDuration: ss's rounded-down timer text", () => {
  it.each([
    ["55sec", 55_000, 56_000],
    ["1.988ms", 1_988, 1_989],
    ["424ms", 424, 425],
    ["119min", 7_140_000, 7_200_000],
    ["2min3sec", 123_000, 124_000],
    ["3.050ms", 3_050, 3_051],
  ])("%s -> [%d, %d)", (text, low, high) => {
    expect(parseSsDuration(text)).toEqual({ lowMs: low, highMs: high });
  });

  it("refuses what it cannot read", () => {
    expect(() => parseSsDuration("soon")).toThrow(/unreadable ss timer/);
  });
});

describe("parseSs", () => {
  it("reads a full -tuanpoH line with owner and timer", () => {
    const [s] = parseSs(
      'tcp ESTAB      100    1000   [::ffff:127.0.0.1]:13000 [::ffff:127.0.0.1]:42158 users:(("python3",pid=9249,fd=54)) timer:(on,1.948ms,4)',
    );
    expect(s).toEqual({
      proto: "tcp",
      family: "ipv6",
      localAddress: "::ffff:127.0.0.1",
      localPort: 13000,
      remoteAddress: "::ffff:127.0.0.1",
      remotePort: 42158,
      state: "ESTABLISHED",
      recvQ: 100,
      sendQ: 1000,
      pid: 9249,
      process: "python3",
      timer: { kind: "retransmit", lowMs: 1948, highMs: 1949, retransmits: 4 },
    });
  });

  it("reads the dual-stack wildcard '*', a peer-less UDP socket, the lowest of several owners and names with spaces", () => {
    const [u, l] = parseSs(
      [
        'udp UNCONN     832    0                       *:13050                  *:*     users:(("python3",pid=9249,fd=74))',
        'tcp LISTEN 0 128 127.0.0.1:6000 0.0.0.0:* users:(("web 1",pid=3835,fd=3),("web 1",pid=3777,fd=3))',
      ].join("\n"),
    );
    expect(u).toMatchObject({ proto: "udp", family: "ipv6", localAddress: "::", remoteAddress: null, remotePort: null, state: null });
    expect(l).toMatchObject({ state: "LISTEN", pid: 3777, process: "web 1", remoteAddress: null });
  });

  it("takes the netid and state from the caller when ss leaves those columns out", () => {
    const [s] = parseSs("0      0      127.0.0.1:11004 127.0.0.1:33500", { proto: "tcp", state: "TIME-WAIT" });
    expect(s).toMatchObject({ proto: "tcp", state: "TIME_WAIT", localPort: 11004, remotePort: 33500 });
  });
});

describe("parseNetstat", () => {
  it("reads tcp6 mapped rows printed as IPv4, UDP rows without a state, and names with spaces", () => {
    const rows = parseNetstat(
      [
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name     Timer",
        "tcp6       0      0 127.0.0.1:13001         127.0.0.1:43664         ESTABLISHED -                    off (0.00/0/0)",
        "tcp6       2      0 :::13001                :::*                    LISTEN      13310/python3        off (0.00/0/0)",
        "udp      832      0 127.0.0.1:11050         0.0.0.0:*                           13310/python3        off (0.00/0/0)",
        "tcp        0      0 127.0.0.1:14000         0.0.0.0:*               LISTEN      600/node web 1       off (0.00/0/0)",
      ].join("\n"),
    );
    expect(rows.map((r) => [r.family, r.localAddress, r.localPort, r.remoteAddress, r.state, r.recvQ, r.owner])).toEqual([
      ["ipv6", "::ffff:127.0.0.1", 13001, "::ffff:127.0.0.1", "ESTABLISHED", 0, "-"],
      ["ipv6", "::", 13001, null, "LISTEN", 2, "13310/python3"],
      ["ipv4", "127.0.0.1", 11050, null, null, 832, "13310/python3"],
      ["ipv4", "127.0.0.1", 14000, null, "LISTEN", 0, "600/node web 1"],
    ]);
  });
});
