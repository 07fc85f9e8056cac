import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";

/**
 * Hostile captures (issue 22, item 7): JSON nested deeper than any PowerShell capture (it
 * overflowed the stack) is refused with one line and exit 1, detected or named; a capture as
 * deep as ConvertTo-Json goes is still read.
 */
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tcpstat-capture-limits-"));
  const depth = 200_000;
  writeFileSync(join(dir, "deep.json"), `${"[".repeat(depth)}${"]".repeat(depth)}`);
  writeFileSync(join(dir, "envelope-deep.json"), `{"tcp":${"[".repeat(depth)}${"]".repeat(depth)}}`);
  // 100 levels, as deep as ConvertTo-Json -Depth 100 writes, around one real row.
  const row = '{"LocalAddress":"10.0.0.1","LocalPort":22,"RemoteAddress":"10.0.0.2","RemotePort":5000,"State":5,"OwningProcess":4}';
  writeFileSync(join(dir, "ok.json"), `{"tcp":[${row}],"udp":[],"x":${"[".repeat(97)}${"]".repeat(97)}}`);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("PowerShell JSON nested without end", () => {
  for (const name of ["deep.json", "envelope-deep.json"])
    for (const format of [[], ["--input-format", "powershell"]])
      it(`${name}${format.length ? " named powershell" : ""}: one line, exit 1`, () => {
        const file = join(dir, name);
        const r = runTcpstat(["--input", file, ...format]);
        expect(r.status).toBe(1);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        if (format.length)
          expect(r.stderr).toBe(
            `tcpstat: ${file}: PowerShell JSON nested more than 100 levels deep, deeper than any capture; give the output of Get-NetTCPConnection | ConvertTo-Json as PowerShell writes it\n`,
          );
        expect(r.stderr).not.toMatch(/stack|    at /);
      });

  it("a capture as deep as ConvertTo-Json writes is still read", () => {
    const r = runTcpstat(["--input", join(dir, "ok.json"), "--input-format", "powershell", "--json", "-a"]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).map((x: { localPort: number; state: string }) => [x.localPort, x.state])).toEqual([[22, "ESTABLISHED"]]);
    expect(readdirSync(dir)).toHaveLength(3);
  });
});
