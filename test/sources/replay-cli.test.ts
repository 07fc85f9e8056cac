import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";

const fixture = (path: string) => fileURLToPath(new URL(`../../fixtures/${path}`, import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "tcpstat-replay-"));
const write = (name: string, text: string | Buffer) => {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
};

describe("tcpstat --input", () => {
  it("replays a capture with the same filters and formats as live data", () => {
    const run = runTcpstat(["--input", fixture("linux-ss/debian-12/ss-tuanp.txt"), "-l", "--json"]);
    expect(run.status).toBe(0);
    const records = JSON.parse(run.stdout);
    expect(records.map((r: { localAddress: string; localPort: number }) => `${r.localAddress}:${r.localPort}`)).toEqual(["127.0.0.1:8080", ":::8443"]);
    const udp = runTcpstat(["--input", fixture("linux-ss/debian-12/ss-tuanp.txt"), "-u", "-6", "--ndjson"]);
    expect(udp.stdout.trim().split("\n").map((l) => JSON.parse(l).localPort)).toEqual([36329]);
    const table = runTcpstat(["--input", fixture("macos-netstat/tahoe-26/netstat-anv-p-tcp.txt"), "--state", "established", "--port", "7000"]);
    expect(table.status).toBe(0);
    expect(table.stdout).toContain("Code Helper (Plu");
    expect(table.stdout).toContain("21891");
    expect(table.stdout).not.toContain("curl");
  });

  it("reads stdin with '-', and --verbose names the detected format", () => {
    const text = "p42\ncnginx\nf6\ntIPv4\nPTCP\nn*:80\nTST=LISTEN\n";
    const run = runTcpstat(["--input", "-", "--json", "--verbose"], { input: text });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("tcpstat: input format: lsof-fields (detected)\n");
    expect(JSON.parse(run.stdout)).toEqual([
      expect.objectContaining({ proto: "tcp", localAddress: "0.0.0.0", localPort: 80, state: "LISTEN", pid: 42, process: "nginx" }),
    ]);
  });

  it("replays a big-endian /proc dump right, and --byte-order overrides", () => {
    const be = fixture("linux-procfs-bigendian/s390x-be/proc-net-tcp-tcp6-udp-udp6.txt");
    const run = runTcpstat(["--input", be, "-l", "-4", "--json", "--verbose"]);
    expect(run.stderr).toContain("big-endian, detected from the addresses");
    expect(JSON.parse(run.stdout)[0]).toMatchObject({ localAddress: "127.0.0.1", localPort: 8080 });
    const forced = runTcpstat(["--input", be, "-l", "-4", "--json", "--byte-order", "le"]);
    expect(JSON.parse(forced.stdout)[0]).toMatchObject({ localAddress: "1.0.0.127", localPort: 8080 });
  });

  it("reports unreadable lines once, with the count and the first one, and still lists the rest", () => {
    const path = write("bad.txt", "Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\ntcp LISTEN 0 5 0.0.0.0:22 0.0.0.0:*\ntcp LISTEN x y garbage\ntcp BOGUS 0 0 1.2.3.4:5 6.7.8.9:10\n");
    const run = runTcpstat(["--input", path, "--json"]);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toHaveLength(1);
    expect(run.stderr).toBe(`tcpstat: skipped 2 unreadable line(s); first at ${path}:3: expected Netid State Recv-Q Send-Q Local:Port Peer:Port: "tcp LISTEN x y garbage"\n`);
  });

  it("fails with exit 1 and names the formats on unrecognizable input; says when the input is empty", () => {
    const run = runTcpstat(["--input", write("notes.txt", "dear diary\n")]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^tcpstat: could not recognize the format of .*notes\.txt \(closest: [\w-]+, [\w-]+, [\w-]+\); name one with --input-format; tcpstat --input-format help lists them all\n$/);
    expect(run.stderr.length).toBeLessThan(200 + run.stderr.indexOf("notes.txt"));
    const empty = runTcpstat(["--input", "-"], { input: "" });
    expect(empty.status).toBe(1);
    expect(empty.stderr).toBe("tcpstat: stdin is empty: there is nothing to replay; capture the command's output into the file first\n");
    const missing = runTcpstat(["--input", join(scratch, "nope.txt")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^tcpstat: cannot read --input .*nope\.txt: no such file; /);
  });

  it("rejects bad option combinations as usage errors (exit 2, one line)", () => {
    const cases: Array<[string[], RegExp]> = [
      [["--input", "-", "--input-format", "klingon"], /^tcpstat: unknown input format 'klingon'; choose one of: .*linux-ss.*\n$/],
      [["--input", "-", "--byte-order", "middle"], /^tcpstat: bad byte order 'middle'; use --byte-order le or --byte-order be\n$/],
      [["--input-format", "linux-ss"], /^tcpstat: --input-format applies only to replayed captures; add --input FILE/],
      [["--input", "-", "--source", "procfs"], /^tcpstat: --input and --source both choose where sockets come from/],
      [["--source", "atlantis"], /^tcpstat: unknown source 'atlantis'; choose one of: procfs, .*macos-netstat.*lsof.*systeminformation/],
    ];
    for (const [args, message] of cases) {
      const run = runTcpstat(args, { input: "p1\nf1\nPTCP\nn*:1\n" });
      expect(run.status, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe("");
    }
  });

  it("--input-format help lists every format it reads, for any command, and exits 0", () => {
    for (const args of [["--input-format", "help"], ["summary", "--input-format", "help"]]) {
      const run = runTcpstat(args);
      expect(run.status, args.join(" ")).toBe(0);
      expect(run.stderr).toBe("");
      const names = run.stdout.trim().split("\n").map((l) => l.split(/\s+/)[0]);
      expect(names).toEqual(expect.arrayContaining(["linux-ss", "linux-netstat", "macos-netstat", "freebsd-sockstat", "lsof", "windows-netstat", "linux-procfs"]));
    }
  });

  it("a forced format that reads no socket exits 1 with the first line it could not read, numbered from 1", () => {
    const path = write("netstat.txt", "Proto Recv-Q Send-Q Local Address Foreign Address State\ntcp 0 0 0.0.0.0:22 0.0.0.0:* LISTEN\n");
    const run = runTcpstat(["--input", path, "--input-format", "linux-ss", "--json"]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `tcpstat: --input-format linux-ss read no socket from ${path}: line 1: expected Netid State Recv-Q Send-Q Local:Port Peer:Port: "Proto Recv-Q Send-Q Local Address Foreign Address State"; check that the capture is linux-ss output; tcpstat --input-format help lists them all\n`,
    );
    const json = runTcpstat(["--input", "-", "--input-format", "powershell"], { input: "\n  not json at all\n" });
    expect(json.status).toBe(1);
    // Not JSON: read as PowerShell's console views, which name what they lack.
    expect(json.stderr).toMatch(/^tcpstat: --input-format powershell read no socket from stdin: line 2: no Get-NetTCPConnection or Get-NetUDPEndpoint table or list.*"not json at all"/);
  });

  it("counts as skipped only the lines it dropped: a row kept with a cut field or an unknown state is a notice", () => {
    const cut = runTcpstat(["--input", fixture("linux-netstat/centos-6/netstat-tan-cut.txt"), "--json"]);
    expect(cut.status).toBe(0);
    expect(JSON.parse(cut.stdout)).toHaveLength(4);
    expect(cut.stderr).toBe(
      `tcpstat: 2 row(s) kept with a field cut by the tool's column width; cut fields are listed in "truncated", first at ${fixture("linux-netstat/centos-6/netstat-tan-cut.txt")}:4: local address '::ffff:192.168.100'\n`,
    );
    const ps = runTcpstat(["--input", "-", "--json"], { input: '[{"LocalAddress":"0.0.0.0","LocalPort":80,"State":42,"OwningProcess":4},{"LocalPort":1}]' });
    expect(ps.status).toBe(0);
    expect(ps.stderr).toContain("tcpstat: 1 TCP row(s) have a State tcpstat does not know; they are listed with no state\n");
    expect(ps.stderr).toContain("tcpstat: skipped 1 unreadable line(s); first at stdin:2: not a socket entry");
  });

  it("resolves service names and keeps host names of a capture made without -n, never dropping the row", () => {
    const run = runTcpstat(["--input", fixture("linux-netstat/debian-12/netstat-ta-names.txt"), "--json"]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    const records = JSON.parse(run.stdout);
    expect(records).toHaveLength(14);
    expect(records).toContainEqual(expect.objectContaining({ localAddress: "127.0.0.1", localHost: "localhost", localPort: 8080, state: "LISTEN" }));
    expect(records).toContainEqual(expect.objectContaining({ family: "ipv6", localAddress: "::1", localPort: 5432, state: "LISTEN" }));
  });
});
