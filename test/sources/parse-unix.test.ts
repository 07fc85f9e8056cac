import { describe, expect, it } from "vitest";
import { parseProcNetUnix } from "../../src/sources/linux-procfs/parse-proc-net-unix.js";
import { parseSsUnix } from "../../src/sources/linux-ss/parse-ss-unix.js";

/**
 * The two texts -x reads, on rows as this kernel and ss 6.1 printed them (test/live/unix-raw-vs-ss.test.ts
 * holds the whole against ss): what the live test cannot make happen, a row the parser cannot read.
 */

const PROC = `Num       RefCount Protocol Flags    Type St Inode Path
0000000058911950: 00000002 00000000 00010000 0001 01 8147723 @hello18b
00000000d3d93fd1: 00000003 00000000 00000000 0001 02     0 @hello18b
000000002e2956f5: 00000003 00000000 00000000 0002 03 8147724 /tmp/a 7 b
c.sock
00000000f388f2bc: 00000002 00000000 00000000 0009 01 8147728
0000000051d777f4: 00000003 00000000 00000000 0005 01 8147729
`;

describe("parseProcNetUnix", () => {
  const { records, problems, pending } = parseProcNetUnix(PROC, "unix");

  it("reads listeners, names across lines, and skips queued connections (inode 0) as ss does", () => {
    expect(records.map((r) => [r.inode, r.state, r.unix!.type, r.unix!.path, r.unix!.abstract])).toEqual([
      [8147723, "LISTEN", "stream", "@hello18b", true],
      [8147724, "ESTABLISHED", "dgram", "/tmp/a 7 b\nc.sock", false],
      [8147729, "CLOSE", "seqpacket", null, false],
    ]);
    expect(pending).toBe(1);
  });

  it("counts a row of an unknown type as a problem, with its line", () => {
    expect(problems).toEqual([{ source: "unix", line: 6, text: "00000000f388f2bc: 00000002 00000000 00000000 0009 01 8147728", reason: "unknown socket type 0009" }]);
  });
});

describe("parseSsUnix", () => {
  it("takes queues from the left and inodes from the right, whatever the name holds", () => {
    const text = "u_str LISTEN 1      128        /tmp/a 7 b\nc.sock 8147723            * 0\nu_dgr ESTAB  0      0                  * 8147725            * 8147724\nnonsense\n";
    const { byInode, problems } = parseSsUnix(text);
    expect([...byInode]).toEqual([
      [8147723, { recvQ: 1, sendQ: 128, peerInode: 0 }],
      [8147725, { recvQ: 0, sendQ: 0, peerInode: 8147724 }],
    ]);
    expect(problems.map((p) => [p.line, p.text])).toEqual([[4, "nonsense"]]);
  });

  it("counts what is no unix socket line", () => {
    expect(parseSsUnix("Netid State\nu_str ESTAB 0 0 * x * y\n").problems.map((p) => p.line)).toEqual([1, 2]);
  });
});
