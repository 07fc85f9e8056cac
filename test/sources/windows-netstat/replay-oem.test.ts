import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import iconv from "iconv-lite";
import { afterAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../../helpers/cli.js";

/**
 * `--input` of netstat output saved straight from a console: the bytes are in the console's
 * OEM code page, not UTF-8. Process names under `-anob` rows and state words must come back
 * as the console showed them, not as latin1 mojibake.
 */
const dir = mkdtempSync(join(tmpdir(), "tcpstat-oem-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function replay(text: string, codePage: string): Array<Record<string, unknown>> {
  const file = join(dir, `${codePage}.txt`);
  writeFileSync(file, iconv.encode(text, codePage));
  const r = runTcpstat(["--input", file, "-tu", "--json"]);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout);
}

describe("--input of a capture in an OEM code page", () => {
  it("cp866 -anob: Cyrillic program names survive", () => {
    const text = [
      "",
      "Активные подключения",
      "",
      "  Имя    Локальный адрес        Внешний адрес          Состояние       PID",
      "  TCP    0.0.0.0:8080           0.0.0.0:0              LISTENING       2210",
      " [Сервер.exe]",
      "  TCP    10.0.0.5:50000         10.0.0.9:443           ESTABLISHED     3300",
      " [Клиент.exe]",
      "",
    ].join("\r\n");
    const records = replay(text, "cp866");
    expect(records.map((r) => [r.localPort, r.state, r.pid, r.process])).toEqual([
      [8080, "LISTEN", 2210, "Сервер.exe"],
      [50000, "ESTABLISHED", 3300, "Клиент.exe"],
    ]);
  });

  it("cp850 German: ABHÖREN and an umlaut in a program name", () => {
    const text = [
      "",
      "Aktive Verbindungen",
      "",
      "  Proto  Lokale Adresse         Remoteadresse          Status          PID",
      "  TCP    0.0.0.0:135            0.0.0.0:0              ABHÖREN         1712",
      " [Dienststeuerung_für_Ü.exe]",
      "  TCP    192.168.1.20:49741     151.101.1.69:443       SCHLIESSEN_WARTEN 4200",
      " [Büro.exe]",
      "",
    ].join("\r\n");
    const records = replay(text, "cp850");
    expect(records.map((r) => [r.localPort, r.state, r.pid, r.process])).toEqual([
      [135, "LISTEN", 1712, "Dienststeuerung_für_Ü.exe"],
      [49741, "CLOSE_WAIT", 4200, "Büro.exe"],
    ]);
  });

  it("the same capture in UTF-8 is read as UTF-8, untouched", () => {
    const text = "  TCP    0.0.0.0:135            0.0.0.0:0              ABHÖREN         1712\n [Büro.exe]\n";
    const records = replay(text, "utf8");
    expect(records.map((r) => [r.state, r.process])).toEqual([["LISTEN", "Büro.exe"]]);
  });
});
