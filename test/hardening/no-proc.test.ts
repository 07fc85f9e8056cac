import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listSockets, TcpstatError } from "../../src/index.js";
import { lineFrom } from "../helpers/child-output.js";
import { BIN } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";

/**
 * A Linux without /proc (a bare container, a chroot): tcpstat must not print an empty list as
 * if there were no sockets. The default chain falls back to ss (netlink needs no /proc) and
 * says so once; a forced `--source procfs` fails with one line and exit 1.
 * /proc is hidden by mounting an empty tmpfs over it in a private mount namespace.
 */

let ns: Netns;
let port: number;
let empty: string;

beforeAll(async () => {
  ns = createNetns();
  const child = ns.spawn("python3", ["-c", "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\ntime.sleep(600)"]);
  port = Number(await lineFrom(child, "listener"));
  empty = mkdtempSync(join(tmpdir(), "tcpstat-noproc-"));
});

afterAll(() => {
  ns?.close();
  if (empty) rmSync(empty, { recursive: true, force: true });
});

/** Runs a shell line in the test namespace with an empty /proc. */
function withoutProc(line: string) {
  const env = { ...process.env, NO_COLOR: "1", BIN };
  return ns.run("unshare", ["-m", "sh", "-c", `mount -t tmpfs none /proc && ${line}`], { env });
}

describe("no /proc", () => {
  it("the default source falls back to ss, says so once, and lists what ss lists", () => {
    const ss = withoutProc("ss -tanH");
    expect(ss.stdout).toContain(`127.0.0.1:${port}`);
    const { status, stdout, stderr } = withoutProc('node "$BIN" --json');
    expect(status).toBe(0);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/procfs failed: no socket tables in \/proc\/net.*used linux-ss/);
    const records = JSON.parse(stdout);
    expect(records).toHaveLength(ss.stdout.trim().split("\n").length);
    expect(records[0]).toMatchObject({ proto: "tcp", localAddress: "127.0.0.1", localPort: port, state: "LISTEN" });
  });

  it("--source procfs says what is missing in one line and exits 1", () => {
    const { status, stdout, stderr } = withoutProc('node "$BIN" --source procfs');
    expect(status).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^tcpstat: no socket tables in \/proc\/net \(is \/proc mounted\?\); .*--input/);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });

  it("no /proc and no ss either: one line naming both failures and both fixes, exit 1", () => {
    // tcpstat takes ss from the system's directories, never PATH: /dev/null mounted over it
    // (in this private mount namespace) is not a program, so ss is missing.
    const { status, stdout, stderr } = withoutProc(`mount --bind /dev/null "$(command -v ss)" && "${process.execPath}" "$BIN"`);
    expect(status).toBe(1);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr.trim()).toBe(
      "tcpstat: source procfs failed: no socket tables in /proc/net (is /proc mounted?); source linux-ss failed: 'ss' was not found in /usr/sbin, /usr/bin, /sbin, /bin; " +
        "mount proc, run `ss -tuan` or `--source linux-ss`, or replay a capture with --input FILE; or install iproute2",
    );
  });

  it("the library rejects a procRoot without net/ tables instead of returning nothing", async () => {
    const error = await listSockets({ source: "procfs", procRoot: empty }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TcpstatError);
    expect((error as TcpstatError).message).toBe(`no socket tables in ${join(empty, "net")} (is /proc mounted?)`);
    expect((error as TcpstatError).exitCode).toBe(1);
  });
});
