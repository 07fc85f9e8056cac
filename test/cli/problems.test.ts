import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";

const fixture = (path: string) => fileURLToPath(new URL(`../../fixtures/linux-procfs/${path}`, import.meta.url));

describe("unreadable /proc/net lines", () => {
  it("are skipped, counted and reported once with the first line number; the good rows print; exit 0", () => {
    const r = runTcpstat(["--input", fixture("malformed/tcp"), "--json"]);
    expect(r.status).toBe(0);
    const records = JSON.parse(r.stdout) as Array<{ localPort: number }>;
    expect(records.map((x) => x.localPort)).toEqual([8080, 8082]);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      `tcpstat: skipped 6 unreadable line(s); first at ${fixture("malformed/tcp")}:3: expected at least 10 fields, found 4: "   1: 0100007F:1F90 00000000:0000 0A"`,
    );
  });

  it("-q keeps the report off stderr", () => {
    const r = runTcpstat(["--input", fixture("malformed/tcp"), "-q"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("127.0.0.1:8082");
  });
});
