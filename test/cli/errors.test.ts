import { describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";

/** Bad input: one line on stderr naming the problem and the fix, exit 2, nothing on stdout. */
function usageFailure(args: string[]): string {
  const r = runTcpstat(args);
  expect(r.status, r.stderr).toBe(2);
  expect(r.stdout).toBe("");
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(lines[0]).toMatch(/^tcpstat: /);
  return lines[0] as string;
}

describe("usage errors", () => {
  it("an unknown state lists the valid states and suggests the nearest", () => {
    const line = usageFailure(["--state", "ESTABLISHD"]);
    expect(line).toContain("unknown state 'ESTABLISHD' (did you mean ESTABLISHED?)");
    expect(line).toContain(
      "valid states: ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSE, CLOSE_WAIT, LAST_ACK, LISTEN, CLOSING, all, connected, synchronized, bucket, big",
    );
    expect(usageFailure(["--state", "listen,tme-wait"])).toContain("unknown state 'tme-wait' (did you mean TIME_WAIT?)");
    expect(usageFailure(["--state", "syncronized"])).toContain("(did you mean synchronized?)");
  });

  it("a state that resembles nothing gets the list without a guess", () => {
    expect(usageFailure(["--state", "qqqqqqqqqqqq"])).toMatch(/^tcpstat: unknown state 'qqqqqqqqqqqq'; valid states: /);
  });

  it.each([
    [["--port", "70000"], "bad port '70000' for --port"],
    [["--port", "htp"], "bad port 'htp' for --port"],
    [["--local-port", "8100-8000"], "bad port '8100-8000' for --local-port"],
    [["--local-port", "80-"], "bad port '80-' for --local-port"],
    [["--remote-port", "1,,2"], "bad port '1,,2' for --remote-port"],
  ])("%j -> %s, with the accepted forms", (args, message) => {
    expect(usageFailure(args)).toBe(`tcpstat: ${message}; use a port 0-65535 or a service name (http), a list (80,443) or a range (8000-8100)`);
  });

  it("a bad pid names the fix", () => {
    expect(usageFailure(["--pid", "abc"])).toBe("tcpstat: bad pid 'abc' for --pid; give a positive process id, or a list like 101,202");
    expect(usageFailure(["--pid", "0"])).toContain("bad pid '0'");
  });

  it("an empty process name is refused", () => {
    expect(usageFailure(["--process", " "])).toBe("tcpstat: empty name for --process; give part of a process name, e.g. --process nginx");
  });

  it("an unknown option suggests the nearest one", () => {
    expect(usageFailure(["--sate", "listen"])).toBe("tcpstat: unknown option '--sate' (did you mean --state?); see tcpstat --help");
    expect(usageFailure(["--bogus"])).toBe("tcpstat: unknown option '--bogus'; see tcpstat --help");
    expect(usageFailure(["-z"])).toContain("unknown option '-z'");
  });

  it("a flag without its value says so", () => {
    expect(usageFailure(["--port"])).toBe("tcpstat: --port needs a value; see tcpstat --help");
  });

  it("conflicting or unknown formats name the choices", () => {
    expect(usageFailure(["--json", "--ndjson"])).toBe("tcpstat: conflicting formats: json, ndjson; choose one of --json, --ndjson, --format");
    const line = usageFailure(["--format", "jsn"]);
    expect(line).toMatch(/^tcpstat: unknown format 'jsn' \(did you mean json\?\); choose one of: table, json, ndjson/);
  });

  it("an unknown source names the sources", () => {
    expect(usageFailure(["--source", "procfss"])).toMatch(/^tcpstat: unknown source 'procfss'.*; choose one of: .*procfs/);
  });

  it("a stray argument is refused as an unknown command, with the commands listed", () => {
    expect(usageFailure(["established"])).toMatch(/^tcpstat: unknown command 'established'; commands: .*summary.*doctor/);
  });

  it("a mistyped command suggests the nearest one", () => {
    expect(usageFailure(["sumary"])).toContain("unknown command 'sumary' (did you mean summary?)");
    expect(usageFailure(["-t", "doctr"])).toContain("unknown command 'doctr' (did you mean doctor?)");
  });
});

describe("help and version", () => {
  it("--help lists every selection flag and exits 0", () => {
    const r = runTcpstat(["--help"]);
    expect(r.status).toBe(0);
    for (const flag of ["-t, --tcp", "-u, --udp", "-l, --listening", "-4, --ipv4", "-6, --ipv6", "-n, --numeric", "-p, --programs", "-o, --timers", "--state <states>", "--port <ports>", "--local-port <ports>", "--remote-port <ports>", "--pid <pids>", "--process <name>", "--json", "--ndjson"])
      expect(r.stdout).toContain(flag);
  });

  it("-V prints the package version", () => {
    const r = runTcpstat(["-V"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
