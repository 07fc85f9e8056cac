import { readFileSync } from "node:fs";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { decodeConsoleBytes, parseChcp } from "../../../src/lib/codepage.js";
import type { ExecRunner } from "../../../src/lib/exec.js";
import { TcpstatError } from "../../../src/errors.js";
import { collectWindowsNetstat, netstatScore } from "../../../src/sources/windows-netstat/collect.js";

const FIXTURES = new URL("../../../fixtures/windows-netstat/", import.meta.url);
const bytes = (path: string) => readFileSync(new URL(path, FIXTURES));
const expected = JSON.parse(bytes("expected.json").toString("utf8")) as Array<{ pid: number | null }>;
const tasklist = bytes("tasklist/tasklist-csv-nh.txt");
const NAMES: Record<number, string> = { 4: "System", 1712: "svchost.exe", 4200: "Teams, Classic.exe", 3404: "mDNSResponder.exe", 8844: 'Widget "Beta".exe' };

/** A fake Windows: answers chcp, netstat and tasklist from recorded bytes and logs each call. */
function fakeWindows(chcp: string | Error, netstat: Buffer, calls: string[] = []): ExecRunner {
  return async (cmd, args) => {
    calls.push([cmd, ...args].join(" "));
    if (cmd === "chcp.com") {
      if (chcp instanceof Error) throw chcp;
      return iconv.encode(chcp, "cp850");
    }
    if (cmd === "netstat") return netstat;
    if (cmd === "tasklist") return tasklist;
    throw new TcpstatError(`'${cmd}' was not found`, "");
  };
}
const all = { protos: ["tcp", "udp"] as const, families: ["ipv4", "ipv6"] as const, owners: true };
const withNames = expected.map((r) => ({ ...r, process: r.pid === null ? null : (NAMES[r.pid] ?? null) }));

describe("collectWindowsNetstat with a fake command runner", () => {
  it.each([
    ["de-cp850/netstat-ano.bin", "Aktive Codepage: 850."],
    ["ru-cp866/netstat-ano.bin", "Текущая кодовая страница: 866"],
    ["zh-CN-cp936/netstat-ano.bin", "活动代码页: 936"],
    ["ja-cp932/netstat-ano.bin", "現在のコード ページ: 932"],
  ])("decodes %s in the code page chcp names (%s)", async (file, chcp) => {
    const calls: string[] = [];
    const result = await collectWindowsNetstat({ ...all, exec: fakeWindows(chcp, bytes(file), calls) });
    expect(result.problems).toEqual([]);
    expect(result.records).toEqual(withNames);
    // One tasklist for every name, never one call a PID; fixed argument lists.
    expect(calls).toEqual(["chcp.com", "netstat -ano", "tasklist /fo csv /nh"]);
  });

  it("guesses the code page when chcp fails", async () => {
    const result = await collectWindowsNetstat({ ...all, exec: fakeWindows(new Error("no chcp"), bytes("de-cp850/netstat-ano.bin")) });
    expect(result.records.map((r) => r.state)).toEqual(["LISTEN", "ESTABLISHED", "TIME_WAIT", "CLOSE_WAIT", "LISTEN", "LISTEN", null, null]);
  });

  it("filters by protocol and family, and skips tasklist when owners are not wanted", async () => {
    const calls: string[] = [];
    const result = await collectWindowsNetstat({ protos: ["udp"], families: ["ipv6"], owners: false, exec: fakeWindows("Active code page: 437", bytes("de-cp850/netstat-ano.bin"), calls) });
    expect(result.records.map((r) => [r.localAddress, r.localPort, r.process])).toEqual([["fe80::1c2a:5f3b:9d4e:7a10%12", 1900, null]]);
    expect(calls).not.toContain("tasklist /fo csv /nh");
  });

  it("says so when tasklist fails, and still lists the sockets", async () => {
    const exec: ExecRunner = async (cmd, args) => {
      if (cmd === "tasklist") throw new TcpstatError("'tasklist' was not found", "");
      return fakeWindows("Active code page: 850", bytes("de-cp850/netstat-ano.bin"))(cmd, args);
    };
    const result = await collectWindowsNetstat({ ...all, exec });
    expect(result.records).toHaveLength(8);
    expect(result.notices).toEqual(["process names are missing: tasklist failed ('tasklist' was not found)"]);
  });
});

describe("code pages", () => {
  it.each([
    ["Active code page: 850", 850],
    ["Aktive Codepage: 850.", 850],
    ["活动代码页: 936", 936],
    ["Page de codes active : 65001", 65001],
    ["nothing", null],
  ])("parseChcp(%j) = %s", (text, cp) => expect(parseChcp(text)).toBe(cp));

  it("decodes by byte-order mark, by code page, as UTF-8, and guesses OEM bytes", async () => {
    const de = bytes("de-cp850/netstat-ano.bin");
    expect(await decodeConsoleBytes(de, { codePage: 850 })).toContain("Aktive Verbindungen");
    expect(await decodeConsoleBytes(de, { score: netstatScore })).toContain("ABHÖREN");
    expect(await decodeConsoleBytes(bytes("ru-cp866/netstat-ano.bin"))).toContain("Активные подключения");
    expect(await decodeConsoleBytes(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("TCP ABHÖREN", "utf16le")]))).toBe("TCP ABHÖREN");
    expect(await decodeConsoleBytes(Buffer.from("Conexões ativas", "utf8"))).toBe("Conexões ativas");
  });
});
