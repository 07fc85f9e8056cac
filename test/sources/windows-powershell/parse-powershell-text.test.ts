import { describe, expect, it } from "vitest";
import { replayCapture } from "../../../src/sources/replay.js";
import { parsePowershellText } from "../../../src/sources/windows-powershell/parse-powershell-text.js";

const HEADER = [
  "LocalAddress   LocalPort RemoteAddress   RemotePort State       AppliedSetting OwningProcess",
  "------------   --------- -------------   ---------- -----       -------------- -------------",
];

describe("PowerShell's table and list views", () => {
  it("a cell cut to the console's width is a problem, never an address", () => {
    const text = [...HEADER, "fe80::1c2d:... 50123     fe80::aa:bb:... 445        Established Datacenter     4", "10.0.0.2       50124     fe80::aa:bb:... 445        Established Datacenter     4"].join("\n");
    const { records, problems, notices } = parsePowershellText(text, "t");
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ localAddress: "10.0.0.2", remoteAddress: null, remotePort: null, state: "ESTABLISHED", pid: 4 });
    // The row with a cut LocalAddress is dropped (a problem); the one with a cut peer is kept (a notice).
    expect(problems.map((p) => [p.line, p.reason.split(" ")[0]])).toEqual([[3, "LocalAddress"]]);
    expect(notices).toEqual([expect.stringMatching(/^1 row\(s\) have a RemoteAddress cut to the console's width/)]);
  });

  it("reads colour codes, collapsed spaces and Format-Table -Wrap continuations", () => {
    const text = [
      "\u001b[32;1mLocalAddress\u001b[0m \u001b[32;1mLocalPort\u001b[0m \u001b[32;1mState\u001b[0m",
      "\u001b[32;1m------------\u001b[0m \u001b[32;1m---------\u001b[0m \u001b[32;1m-----\u001b[0m",
      "2001:db8:0:1 443       Listen",
      ":0:0:0:5",
      "10.0.0.1 80 TimeWait",
    ].join("\n");
    const { records, problems } = parsePowershellText(text, "t");
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.localAddress, r.localPort, r.state])).toEqual([
      ["2001:db8:0:1::5", 443, "LISTEN"],
      ["10.0.0.1", 80, "TIME_WAIT"],
    ]);
  });

  it("a row with an unknown state or pid is kept and said once; an unreadable port is a problem on its 1-based line", () => {
    const text = ["", ...HEADER, "0.0.0.0        80        0.0.0.0         0          Wobbly                     x1", "0.0.0.0        8x        0.0.0.0         0          Listen                     7"].join("\r\n");
    const { records, problems, notices } = parsePowershellText(text, "t");
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ state: null, pid: null });
    expect(notices).toHaveLength(2);
    expect(problems.map((p) => [p.line, p.reason])).toEqual([[5, "unreadable LocalPort '8x'"]]);
  });

  it("--input-format powershell on text with no view reports its first line instead of []", () => {
    expect(() => replayCapture("\n  hello there\nsecond\n", { source: "t", format: "powershell" })).toThrow(
      /--input-format powershell read no socket from t: line 2: .*"hello there"/,
    );
  });

  it("a header label the console cut names the property it starts (PowerShell 7's '…')", () => {
    const text = ["LocalAddress LocalPort State  OwningPro…", "------------ --------- -----  ----------", "0.0.0.0      22        Listen       5584"].join("\n");
    const { records, problems } = parsePowershellText(text, "t");
    expect(problems).toEqual([]);
    expect(records[0]).toMatchObject({ localPort: 22, state: "LISTEN", pid: 5584 });
  });

  it("another cmdlet's table is not read as sockets", () => {
    const text = ["Name   Id", "----   --", "sshd   42"].join("\n");
    expect(parsePowershellText(text, "t").records).toEqual([]);
  });
});
