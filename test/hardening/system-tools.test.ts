import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemTool } from "../../src/lib/exec.js";
import { BIN } from "../helpers/cli.js";

/**
 * System tools are run by absolute path from the system's directories, never through PATH
 * (issue 22, item 3): `npx` puts ./node_modules/.bin (and every parent's) first, so a fake
 * `ss` or `nsenter` planted in the directory where root runs `npx tcpstat` would run as root.
 * Here fakes sit in a temporary project's node_modules/.bin, first in PATH and in the current
 * directory; each one, if run, leaves a mark.
 */
const TOOLS = ["ss", "netstat", "lsof", "nsenter", "cat", "sleep"];
const NETNS = "i22-tools";
let project: string;
let marks: string;

function tcpstat(args: string[]) {
  const bin = join(project, "node_modules/.bin");
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: project,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", PATH: `${bin}:.:${process.env.PATH}` },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const planted = () => TOOLS.filter((tool) => existsSync(join(marks, tool)));

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "tcpstat-tools-"));
  marks = join(project, "marks");
  mkdirSync(marks);
  mkdirSync(join(project, "node_modules/.bin"), { recursive: true });
  for (const tool of TOOLS)
    for (const dir of [join(project, "node_modules/.bin"), project]) {
      writeFileSync(join(dir, tool), `#!/bin/sh\ntouch ${join(marks, tool)}\nexit 0\n`);
      chmodSync(join(dir, tool), 0o755);
    }
  spawnSync("ip", ["netns", "del", NETNS]);
  const made = spawnSync("ip", ["netns", "add", NETNS], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`ip netns add ${NETNS}: ${made.stderr}`);
});

afterAll(() => {
  spawnSync("ip", ["netns", "del", NETNS]);
  if (project) rmSync(project, { recursive: true, force: true });
});

describe("system tools run by absolute path", () => {
  for (const [source, tool, args] of [
    ["linux-ss", "ss", "-tuanpe"],
    ["linux-netstat", "netstat", "-tuanpe"],
  ] as const)
    it(`--source ${source} runs the system's ${tool}, not the one first in PATH, and --verbose names it`, () => {
      const r = tcpstat(["--source", source, "-v", "-n"]);
      expect(r.status, r.stderr).toBe(0);
      expect(planted()).toEqual([]);
      expect(r.stderr).toMatch(new RegExp(`^tcpstat: source: ${source}\\ntcpstat: ran (/usr)?/s?bin/${tool} ${args}\\n`));
    });

  it("-N enters a namespace with the system's nsenter (and cat inside), named by --verbose", () => {
    const r = tcpstat(["-N", NETNS, "-v", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(planted()).toEqual([]);
    expect(r.stderr).toMatch(new RegExp(`\\ntcpstat: ran (/usr)?/s?bin/nsenter --net=/run/netns/${NETNS} -- (/usr)?/s?bin/cat\\n`));
  });
});

describe("systemTool", () => {
  it("takes Windows tools from %SystemRoot%\\System32, never the current directory", () => {
    const env = { SystemRoot: "D:\\WINNT" };
    expect(systemTool("netstat", "win32", env)).toBe("D:\\WINNT\\System32\\netstat.exe");
    expect(systemTool("tasklist", "win32", env)).toBe("D:\\WINNT\\System32\\tasklist.exe");
    expect(systemTool("chcp.com", "win32", env)).toBe("D:\\WINNT\\System32\\chcp.com");
    expect(systemTool("powershell", "win32", env)).toBe("D:\\WINNT\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
  });

  it("looks in the system's directories in order, and in /usr/local only on the BSDs", () => {
    const present = new Set(["/bin/netstat", "/usr/local/sbin/lsof"]);
    const exists = (path: string) => present.has(path);
    expect(systemTool("netstat", "darwin", {}, exists)).toBe("/bin/netstat");
    expect(systemTool("lsof", "freebsd", {}, exists)).toBe("/usr/local/sbin/lsof");
    expect(() => systemTool("lsof", "darwin", {}, exists)).toThrow("'lsof' was not found in /usr/sbin, /usr/bin, /sbin, /bin");
  });
});
