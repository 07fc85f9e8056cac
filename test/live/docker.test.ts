import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, copyFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import { SocketRecordSchema } from "../../src/model/socket.js";

/**
 * A real Docker container, found by its name: an image made here with `docker import` from a
 * tar of busybox-static's binary (no registry is reached), running `busybox httpd -f -p 8080`
 * in a network namespace of its own. `.ci/run` installs docker.io and starts dockerd (cgroupfs
 * driver) before the tests; where no dockerd answers, the tests are skipped saying why.
 */

const docker = (args: string[]) => spawnSync("docker", args, { encoding: "utf8", timeout: 60_000 });
const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8", timeout: 20_000 });
const why =
  info.error !== undefined
    ? `the docker client cannot run (${(info.error as NodeJS.ErrnoException).code}): install docker.io`
    : info.status !== 0
      ? `no dockerd answers: ${(info.stderr || info.stdout).trim().split("\n").pop()}`
      : !existsSync("/bin/busybox") && !existsSync("/usr/bin/busybox")
        ? "busybox-static is not installed"
        : null;
// .ci/run starts a dockerd and sets TCPSTAT_TEST_DOCKER=required: there a missing one is a failure.
const required = process.env.TCPSTAT_TEST_DOCKER === "required";
if (why && !required) console.warn(`test/live/docker.test.ts skipped: ${why}`);

const NAME = `i19-web-${process.pid}`;
const IMAGE = `i19-busybox:${process.pid}`;
let id = "";
let dir = "";

beforeAll(() => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "i19-image-"));
  mkdirSync(join(dir, "bin"));
  copyFileSync(existsSync("/bin/busybox") ? "/bin/busybox" : "/usr/bin/busybox", join(dir, "bin", "busybox"));
  const tar = spawnSync("tar", ["-C", dir, "-cf", join(dir, "image.tar"), "bin"]);
  expect(tar.status).toBe(0);
  const imported = docker(["import", join(dir, "image.tar"), IMAGE]);
  expect(imported.status, imported.stderr).toBe(0);
  const run = docker(["run", "-d", "--name", NAME, IMAGE, "/bin/busybox", "httpd", "-f", "-p", "8080"]);
  expect(run.status, run.stderr).toBe(0);
  id = run.stdout.trim();
  // Listening once ss in the container's namespace shows the port (a few polls at most).
  const pid = docker(["inspect", "-f", "{{.State.Pid}}", NAME]).stdout.trim();
  for (let i = 0; i < 500; i++) {
    if (spawnSync("nsenter", ["-t", pid, "-n", "ss", "-tlnH", "sport = :8080"], { encoding: "utf8" }).stdout.trim()) return;
    spawnSync("sleep", ["0.01"]);
  }
  throw new Error("busybox httpd did not listen on 8080");
}, 120_000);

afterAll(() => {
  if (why) return;
  docker(["rm", "-f", NAME]);
  docker(["rmi", IMAGE]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(why !== null && required)("a Docker container's sockets, required here", () => {
  it("has a dockerd to test against", () => expect.fail(`TCPSTAT_TEST_DOCKER=required but ${why}`));
});

describe.skipIf(why !== null)("a Docker container's sockets", () => {
  it("-N all --container NAME finds its listener, carrying the container's name and id", () => {
    const r = runTcpstat(["-N", "all", "--container", NAME, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const records = (JSON.parse(r.stdout) as unknown[]).map((x) => SocketRecordSchema.parse(x));
    expect(records.map((x) => [x.localPort, x.state])).toEqual([[8080, "LISTEN"]]);
    const owner = records[0]!.owners!.find((o) => o.pid === records[0]!.pid)!;
    expect(owner.container).toEqual({ runtime: "docker", id, name: NAME });
    expect(owner.cmdline).toBe("/bin/busybox httpd -f -p 8080");
    expect(owner.parent).toBe("containerd-shim");
  });

  it("-l in the container's unnamed namespace: exposure from ss run inside it, as ss there says", () => {
    const r = runTcpstat(["-N", "all", "-l", "--container", NAME, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/v6only/);
    const [rec] = (JSON.parse(r.stdout) as unknown[]).map((x) => SocketRecordSchema.parse(x));
    const pid = docker(["inspect", "-f", "{{.State.Pid}}", NAME]).stdout.trim();
    const ss = spawnSync("nsenter", ["-t", pid, "-n", "ss", "-tlnHe", "sport = :8080"], { encoding: "utf8" }).stdout;
    // busybox httpd binds [::]: dual-stack (v6only:0) answers on every IPv4 and IPv6 address.
    expect(rec!.localAddress).toBe("::");
    expect(rec!.exposure).toBe(/v6only:1/.test(ss) ? "all-ipv6" : "all");
  });

  it("--container NAME alone looks in every namespace: the container's own is where its socket is", () => {
    const r = runTcpstat(["--container", NAME, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const records = (JSON.parse(r.stdout) as unknown[]).map((x) => SocketRecordSchema.parse(x));
    const pid = docker(["inspect", "-f", "{{.State.Pid}}", NAME]).stdout.trim();
    const inode = Number(/net:\[(\d+)\]/.exec(spawnSync("readlink", [`/proc/${pid}/ns/net`], { encoding: "utf8" }).stdout)![1]);
    expect(records.map((x) => [x.localPort, x.netns?.inode])).toEqual([[8080, inode]]);
  });

  it("summary --by container counts its socket under its name", () => {
    const r = runTcpstat(["summary", "-N", "all", "-l", "--by", "container", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const groups = JSON.parse(r.stdout).by.top as Array<{ key: string; count: number }>;
    expect(groups.find((g) => g.key === NAME)?.count).toBe(1);
  });

  it("the id prefix docker ps prints finds it too, and the table names it", () => {
    const r = runTcpstat(["-N", "all", "-l", "--who", "--container", id.slice(0, 12)]);
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.trim().split("\n").slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(new RegExp(`:8080 .*LISTEN .*busybox .*${NAME} +/bin/busybox httpd -f -p 8080`));
  });
});
