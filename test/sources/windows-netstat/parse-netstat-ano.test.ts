import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SocketRecordSchema } from "../../../src/model/socket.js";
import { parseNetstatAno } from "../../../src/sources/windows-netstat/parse-netstat-ano.js";
import { windowsState } from "../../../src/sources/windows-netstat/state-words.js";

const FIXTURES = new URL("../../../fixtures/windows-netstat/", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, FIXTURES), "utf8");
const expected = JSON.parse(read("expected.json"));

describe("parseNetstatAno on the golden fixtures", () => {
  const dirs = ["en", "de", "fr", "es", "it", "pt-BR", "ru", "pl", "zh-CN", "zh-TW", "ja", "ko", "tr", "nl", "cs", "de-cp850-as-utf8", "de-cp850-as-cp1252"];
  it.each(dirs)("%s gives the hand-checked records and no problems", (dir) => {
    const result = parseNetstatAno(read(`${dir}/netstat-ano.txt`));
    expect(result.problems).toEqual([]);
    expect(result.records).toEqual(JSON.parse(read(`${dir}/netstat-ano.json`)));
    for (const r of result.records) SocketRecordSchema.parse(r);
  });
  it("the mojibake fixtures really are mangled", () => {
    expect(read("de-cp850-as-utf8/netstat-ano.txt")).toContain("ABH\uFFFDREN");
    expect(read("de-cp850-as-cp1252/netstat-ano.txt")).toContain("ABH™REN");
    expect(expected).toHaveLength(8);
  });
});

describe("state words", () => {
  it.each([
    ["LISTENING", "LISTEN"],
    ["SYN_RECEIVED", "SYN_RECV"],
    ["FIN_WAIT_1", "FIN_WAIT1"],
    ["FIN_WAIT_2", "FIN_WAIT2"],
    ["CLOSED", "CLOSE"],
    ["DELETE_TCB", "CLOSE"],
    ["BOUND", "CLOSE"],
    ["ABHÖREN", "LISTEN"],
    ["ABH™REN", "LISTEN"],
    ["ABH\u0099REN", "LISTEN"],
    ["ABHÃ–REN", "LISTEN"],
    ["ABHOEREN", "LISTEN"],
    ["WARTEND", "TIME_WAIT"],
    ["SCHLIESSEN_WARTEN", "CLOSE_WAIT"],
    ["FIN_WARTEN_2", "FIN_WAIT2"],
    ["SYN_GESENDET", "SYN_SENT"],
    ["IN ASCOLTO", "LISTEN"],
    ["À L'ÉCOUTE", "LISTEN"],
    ["dinleniyor", "LISTEN"],
    ["ПРОСЛУШИВАНИЕ", "LISTEN"],
    ["侦听", "LISTEN"],
  ])("%s -> %s", (word, state) => expect(windowsState(word)).toBe(state));
  it("does not guess from too little", () => {
    expect(windowsState("???")).toBeUndefined();
    expect(windowsState("FOO")).toBeUndefined();
  });
});

describe("row shapes", () => {
  it("reads -anob continuation lines: the [exe] names the row above, services and notes are skipped", () => {
    const text = [
      "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1712",
      "  RpcSs",
      " [svchost.exe]",
      "  TCP    0.0.0.0:445            0.0.0.0:0              LISTENING       4",
      " Can not obtain ownership information",
      "  TCP    127.0.0.1:49938        0.0.0.0:0              LISTENING       12640",
      " [NVIDIA Web Helper.exe]",
    ].join("\r\n");
    const { records, problems } = parseNetstatAno(text);
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.localPort, r.pid, r.process])).toEqual([
      [135, 1712, "svchost.exe"],
      [445, 4, null],
      [49938, 12640, "NVIDIA Web Helper.exe"],
    ]);
  });

  it("reads resolved names and service ports (plain netstat), IPv4-mapped and upper-case IPv6", () => {
    const text = [
      "  TCP    192.168.1.63:54784     router:domain          TIME_WAIT",
      "  TCP    DESKTOP-7:135          DESKTOP-7:0            LISTENING",
      "  TCP    [::FFFF:10.0.0.1]:80   [::ffff:10.0.0.2]:51000  ESTABLISHED     77",
    ].join("\n");
    const { records, problems } = parseNetstatAno(text);
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.family, r.localAddress, r.localPort, r.remoteAddress, r.remotePort, r.state])).toEqual([
      ["ipv4", "192.168.1.63", 54784, "router", 53, "TIME_WAIT"],
      ["ipv4", "DESKTOP-7", 135, null, null, "LISTEN"],
      ["ipv6", "::ffff:10.0.0.1", 80, "::ffff:10.0.0.2", 51000, "ESTABLISHED"],
    ]);
  });

  it("infers LISTEN from a port-0 peer and reports other unknown words, keeping the row", () => {
    const text = [
      "  TCP    0.0.0.0:8080           0.0.0.0:0              LYSSNAR         10",
      "  TCP    [::]:8080              [::]:0                 НЕИЗВЕСТНО      10",
      "  TCP    10.0.0.5:50000         10.0.0.9:443           UPPRÄTTAD       11",
    ].join("\n");
    const { records, problems } = parseNetstatAno(text, { source: "capture.txt" });
    expect(records.map((r) => r.state)).toEqual(["LISTEN", "LISTEN", null]);
    expect(problems).toEqual([
      { source: "capture.txt", line: 3, text: "  TCP    10.0.0.5:50000         10.0.0.9:443           UPPRÄTTAD       11", reason: "unknown TCP state 'UPPRÄTTAD'" },
    ]);
  });

  it("counts broken rows with their line numbers, never throws, and skips headers by shape", () => {
    const text = [
      "",
      "Aktive Verbindungen",
      "",
      "  Proto  Lokale Adresse         Remoteadresse          Status           PID",
      "  TCP    0.0.0.0:135",
      "  TCP    0.0.0.0:nosuchservice  0.0.0.0:0              LISTENING       1",
      "  0.0.0.0:22             0.0.0.0:0              LISTENING       2",
      "  UDP    0.0.0.0:500            *:*                                    6856",
    ].join("\n");
    const { records, problems } = parseNetstatAno(text);
    expect(records).toHaveLength(1);
    expect(problems.map((p) => [p.line, p.reason])).toEqual([
      [5, "too few columns for a socket row"],
      [6, "unknown local port 'nosuchservice'"],
      [7, "not a netstat socket row (no TCP/UDP protocol column)"],
    ]);
  });
});

describe("netstat -t offload column and -b gaps (issue 16)", () => {
  const row = (tail: string) => parseNetstatAno(`  TCP    10.0.0.2:50000   10.0.0.9:443   ${tail}`);
  it.each([
    ["ESTABLISHED     InHost", null],
    ["ESTABLISHED     4200     InHost", 4200],
    ["ESTABLISHED     Offloaded     4200", 4200],
    ["HERGESTELLT     InHost", null],
    ["IN ASCOLTO      Uploading", null],
  ])("'%s' keeps the state and the pid", (tail, pid) => {
    const { records, problems } = row(tail);
    expect(problems).toEqual([]);
    expect(records[0]).toMatchObject({ state: tail.startsWith("IN ASCOLTO") ? "LISTEN" : "ESTABLISHED", pid });
  });
  it("an offload word in an unknown language after a known state is not read as the state", () => {
    expect(row("ESTABLISHED     DansLeHôte     4200").records[0]).toMatchObject({ state: "ESTABLISHED", pid: 4200 });
  });
  it("a cut, an ownership note or a component line never names a process", () => {
    const text = ["  TCP    0.0.0.0:1   0.0.0.0:0   LISTENING   10", " [...]", " [svchost.exe]", "  TCP    0.0.0.0:2   0.0.0.0:0   LISTENING   11", " No se puede obtener información de propiedad", " [x.exe]", "  TCP    0.0.0.0:3   0.0.0.0:0   LISTENING   12", "  RpcSs", " [ … ]"].join("\n");
    const { records, problems } = parseNetstatAno(text);
    expect(problems).toEqual([]);
    expect(records.map((r) => r.process)).toEqual([null, null, null]);
  });
});
