import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ExecRunner } from "../../../src/lib/exec.js";
import { SocketRecordSchema } from "../../../src/model/socket.js";
import { collectPowershell } from "../../../src/sources/windows-powershell/collect.js";
import { creationTime, parsePowershell } from "../../../src/sources/windows-powershell/parse-powershell.js";

const FIXTURES = new URL("../../../fixtures/windows-powershell/en/", import.meta.url);
const text = readFileSync(new URL("get-net-connections.json", FIXTURES), "utf8");
const expected = JSON.parse(readFileSync(new URL("get-net-connections.expected.json", FIXTURES), "utf8"));

describe("parsePowershell", () => {
  it("reads tcpstat's envelope into the hand-checked records", () => {
    const { records, problems } = parsePowershell(text);
    expect(problems).toEqual([]);
    expect(records).toEqual(expected);
    for (const r of records) SocketRecordSchema.parse(r);
  });

  it("reads a user's own Get-NetTCPConnection | ConvertTo-Json: state names, one object, 5.1 dates", () => {
    const one = '{"LocalAddress":"127.0.0.1","LocalPort":5000,"RemoteAddress":"127.0.0.1","RemotePort":61000,"State":"CloseWait","OwningProcess":99,"CreationTime":"\\/Date(1763716530000)\\/"}';
    const { records, problems } = parsePowershell(one);
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.proto, r.state, r.remotePort, r.pid, r.createdAt])).toEqual([["tcp", "CLOSE_WAIT", 61000, 99, "2025-11-21T09:15:30.000Z"]]);
  });

  it("reports what it cannot read, never throws", () => {
    // Line numbers are 1-based: the first line that holds text, not 0.
    expect(parsePowershell("\nnot json").problems[0]).toMatchObject({ line: 2, text: "not json", reason: expect.stringMatching(/^not JSON/) });
    const bad = parsePowershell('[{"LocalAddress":"0.0.0.0","LocalPort":80,"State":42},{"LocalPort":1}]');
    // The row with an unknown state is kept (no state) and said in a notice: only the dropped entry is a problem.
    expect(bad.records.map((r) => r.state)).toEqual([null]);
    expect(bad.problems.map((p) => [p.line, p.reason.split(":")[0]])).toEqual([[2, "not a socket entry"]]);
    expect(bad.notices).toEqual(["1 TCP row(s) have a State tcpstat does not know; they are listed with no state"]);
  });

  it("creationTime accepts the forms ConvertTo-Json writes", () => {
    expect(creationTime("2026-11-20T08:01:02.0000000Z")).toBe("2026-11-20T08:01:02.000Z");
    expect(creationTime("/Date(1763625662000)/")).toBe("2025-11-20T08:01:02.000Z");
    expect(creationTime(null)).toBeUndefined();
  });
});

it("collectPowershell runs one fixed PowerShell command and filters", async () => {
  const calls: Array<[string, readonly string[]]> = [];
  const exec: ExecRunner = async (cmd, args) => {
    calls.push([cmd, args]);
    return Buffer.from(text, "utf8");
  };
  const { records } = await collectPowershell({ protos: ["udp"], families: ["ipv4", "ipv6"], exec });
  expect(records.map((r) => r.localPort)).toEqual([5353, 1900]);
  expect(calls).toHaveLength(1);
  expect(calls[0]?.[0]).toBe("powershell");
  expect(calls[0]?.[1].slice(0, 3)).toEqual(["-NoProfile", "-NonInteractive", "-Command"]);
  expect(calls[0]?.[1][3]).toContain("Get-NetTCPConnection");
});
