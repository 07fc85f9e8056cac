import { execFileSync } from "node:child_process";
import { chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runTcpstat } from "../helpers/cli.js";

/**
 * `metrics --output` run as root (issue 22, item 1): only an absent path or a regular file is
 * written; a device node, FIFO, socket, directory or symlink is refused with one line and exit 1
 * before anything is written; a replaced file keeps its owner and mode; a new one is 0644
 * whatever the umask. Everything lives in a temporary directory (device nodes made by mknod).
 */
const CAPTURE = fileURLToPath(new URL("../../fixtures/linux-ss/debian-12/ss-tuanp.txt", import.meta.url));
let dir: string;
let unixServer: Server;

const metricsTo = (file: string, env: NodeJS.ProcessEnv = {}) => runTcpstat(["metrics", "-q", "--input", CAPTURE, "--output", file], { env });
const leftovers = () => readdirSync(dir).filter((name) => name.endsWith(".tmp"));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tcpstat-output-target-"));
  execFileSync("mknod", [join(dir, "null"), "c", "1", "3"]);
  execFileSync("mkfifo", [join(dir, "fifo")]);
  mkdirSync(join(dir, "directory"));
  writeFileSync(join(dir, "victim"), "precious\n");
  symlinkSync(join(dir, "victim"), join(dir, "link"));
  unixServer = createServer();
  await new Promise<void>((done) => unixServer.listen(join(dir, "socket"), done));
});
afterAll(() => {
  unixServer?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("metrics --output refuses what is not a regular file", () => {
  const cases: [string, string, (path: string) => boolean][] = [
    ["null", "a character device", (p) => lstatSync(p).isCharacterDevice()],
    ["fifo", "a FIFO", (p) => lstatSync(p).isFIFO()],
    ["socket", "a socket", (p) => lstatSync(p).isSocket()],
    ["directory", "a directory", (p) => lstatSync(p).isDirectory()],
    ["link", "a symbolic link", (p) => lstatSync(p).isSymbolicLink() && readlinkSync(p) === join(dir, "victim")],
  ];
  for (const [name, kind, intact] of cases)
    it(`${kind}: one line, exit 1, left as it was`, () => {
      const path = join(dir, name);
      const r = metricsTo(path);
      expect(r.stderr).toBe(`tcpstat: refusing to replace ${path}: it is ${kind}, not a regular file; give the path of a regular file, or of one that does not exist yet\n`);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("");
      expect(intact(path)).toBe(true);
      expect(readFileSync(join(dir, "victim"), "utf8")).toBe("precious\n");
      expect(leftovers()).toEqual([]);
    });

  it("/dev/stdout and /dev/null are refused (in a private mount namespace with its own /dev)", () => {
    // A tmpfs over /dev seen only by this shell: a failure here cannot touch the machine's /dev.
    const script = [
      "mount --make-rprivate / && mount -t tmpfs tcpstat-dev /dev && ln -s /proc/self/fd/1 /dev/stdout && mknod -m 666 /dev/null c 1 3 || exit 9",
      'for target in /dev/stdout /dev/null; do "$0" "$@" --output "$target" 2>&1; echo "exit $?"; done',
      "stat -c %F /dev/stdout /dev/null; ls -A /dev",
    ].join("\n");
    const out = execFileSync("unshare", ["-m", "sh", "-c", script, process.execPath, BIN, "metrics", "-q", "--input", CAPTURE], { encoding: "utf8" });
    expect(out).toBe(
      [
        "tcpstat: refusing to replace /dev/stdout: it is a symbolic link, not a regular file; give the path of a regular file, or of one that does not exist yet",
        "exit 1",
        "tcpstat: refusing to replace /dev/null: it is a character device, not a regular file; give the path of a regular file, or of one that does not exist yet",
        "exit 1",
        "symbolic link",
        "character special file",
        "null",
        "stdout",
        "",
      ].join("\n"),
    );
  });
});

describe("metrics --output keeps what it replaces as it was", () => {
  it("a file of another user with mode 0600 keeps that owner and mode", () => {
    const path = join(dir, "theirs.prom");
    writeFileSync(path, "old\n", { mode: 0o600 });
    chownSync(path, 65534, 65534);
    const r = metricsTo(path);
    expect(r.status, r.stderr).toBe(0);
    const after = statSync(path);
    expect({ uid: after.uid, gid: after.gid, mode: after.mode & 0o7777 }).toEqual({ uid: 65534, gid: 65534, mode: 0o600 });
    expect(readFileSync(path, "utf8")).toMatch(/^# HELP tcpstat_/);
    expect(leftovers()).toEqual([]);
  });

  it("a new file is 0644 even under umask 000 or 077", () => {
    for (const umask of ["000", "077"]) {
      const path = join(dir, `new-${umask}.prom`);
      const out = execFileSync("sh", ["-c", `umask ${umask} && exec "$0" "$@"`, process.execPath, BIN, "metrics", "-q", "--input", CAPTURE, "--output", path], { encoding: "utf8" });
      expect(out).toBe("");
      expect(statSync(path).mode & 0o7777).toBe(0o644);
    }
  });
});
