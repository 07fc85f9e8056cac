import { randomBytes, randomUUID } from "node:crypto";
import { once } from "node:events";
import { existsSync, mkdirSync, readFileSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { BIN, runTcpstat } from "../helpers/cli.js";
import { untilServing } from "../helpers/serve.js";
import { PROMTOOL, PROMTOOL_MISSING, parseSamples, promtoolCheck, select, type Sample } from "../format/prometheus-text.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { SocketRecordSchema, type SocketRecord } from "../../src/model/socket.js";

/**
 * Who holds each socket, from REAL cgroups made here: one listener a process, each process moved
 * into a cgroup named as Docker (systemd and cgroupfs drivers), containerd on Kubernetes (systemd
 * driver, and cgroupfs), Podman, LXC and a systemd service name theirs, in the v1 name=systemd
 * hierarchy and in v2 (mounted at /sys/fs/cgroup/unified here, or /sys/fs/cgroup on a v2-only
 * machine). A Kubernetes pod's names come from kubelet-style log directories made for the test.
 * All is removed after.
 */

const HELPER = fileURLToPath(new URL("./exposure-listeners.py", import.meta.url));
const V1 = "/sys/fs/cgroup/systemd";
const V2 = existsSync("/sys/fs/cgroup/unified/cgroup.procs") ? "/sys/fs/cgroup/unified" : existsSync("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : null;
const hex = () => randomBytes(32).toString("hex");
const uid = randomUUID();
const ids = { docker: hex(), dockerFs: hex(), kube: hex(), kubeFs: hex(), podman: hex() };
const uidFs = randomUUID();

interface Case {
  port: number;
  root: string | null;
  path: string;
  unit: string | null;
  container: Record<string, unknown> | null;
}

const CASES: Case[] = [
  { port: 19101, root: V1, path: `i19test.slice/docker-${ids.docker}.scope`, unit: `docker-${ids.docker}.scope`, container: { runtime: "docker", id: ids.docker } },
  { port: 19102, root: V1, path: `i19test/docker/${ids.dockerFs}`, unit: null, container: { runtime: "docker", id: ids.dockerFs } },
  { port: 19103, root: V1, path: `i19test.slice/machine.slice/libpod-${ids.podman}.scope`, unit: `libpod-${ids.podman}.scope`, container: { runtime: "podman", id: ids.podman } },
  { port: 19104, root: V1, path: "i19test.slice/i19-web.service", unit: "i19-web.service", container: null },
  { port: 19105, root: V1, path: "i19test/lxc.payload.i19box", unit: null, container: { runtime: "lxc", id: "i19box", name: "i19box" } },
  {
    port: 19106,
    root: V2,
    path: `i19test.slice/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid.replace(/-/g, "_")}.slice/cri-containerd-${ids.kube}.scope`,
    unit: `cri-containerd-${ids.kube}.scope`,
    container: { runtime: "containerd", id: ids.kube, name: "web", pod: { uid, namespace: "i19ns", name: "i19pod", container: "web" } },
  },
  {
    port: 19107,
    root: V2,
    path: `i19test/kubepods/besteffort/pod${uidFs}/${ids.kubeFs}`,
    unit: null,
    container: { runtime: "cri", id: ids.kubeFs, name: null, pod: { uid: uidFs, namespace: null, name: null, container: null } },
  },
];

let ns: Netns;
const pids = new Map<number, number>();
const exits: Array<Promise<unknown>> = [];
const made: string[] = [];
const logs = [`/var/log/pods/i19ns_i19pod_${uid}`, `/var/log/containers/i19pod_i19ns_web-${ids.kube}.log`];
let silent: Server;
let silentPath: string;

beforeAll(async () => {
  ns = createNetns();
  for (const c of CASES) {
    if (c.root === null) continue;
    const child = ns.spawn("python3", [HELPER, `0.0.0.0:${c.port}`]);
    await lineFrom(child, `listener ${c.port}`, /^ready\n/m);
    const dir = join(c.root, c.path);
    mkdirSync(dir, { recursive: true });
    made.push(dir);
    writeFileSync(join(dir, "cgroup.procs"), String(child.pid));
    pids.set(c.port, child.pid!);
    exits.push(once(child, "exit"));
  }
  for (const d of ["/var/log/pods", "/var/log/containers"]) if (!existsSync(d)) logs.push(d);
  mkdirSync(join(logs[0]!, "web"), { recursive: true });
  mkdirSync("/var/log/containers", { recursive: true });
  writeFileSync(logs[1]!, "");
  // A "runtime" that accepts and never answers: the names are given up after the time limit.
  silentPath = join(tmpdir(), `i19-silent-${process.pid}.sock`);
  silent = createServer(() => {}).listen(silentPath);
}, 60_000);

afterAll(async () => {
  ns?.close();
  silent?.close();
  for (const p of logs) rmSync(p, { recursive: true, force: true });
  // Once its process is gone (killed above; waited for here) a cgroup can be removed, deepest first.
  await Promise.all(exits);
  const dirs = new Set<string>();
  for (const dir of made) for (let d = dir; /\/i19test(\.slice)?(\/|$)/.test(d); d = d.slice(0, d.lastIndexOf("/"))) dirs.add(d);
  for (const d of [...dirs].sort((x, y) => y.split("/").length - x.split("/").length)) rmdirSync(d);
});

const records = (args: string[], env?: NodeJS.ProcessEnv): { list: SocketRecord[]; stderr: string } => {
  const r = runTcpstat([...args, "--json"], { netns: ns, env });
  expect(r.status, r.stderr).toBe(0);
  return { list: (JSON.parse(r.stdout) as unknown[]).map((x) => SocketRecordSchema.parse(x)), stderr: r.stderr };
};

describe("--who reads each holder's cgroup, command line and parent", () => {
  it("each process is in the cgroup the test made (what /proc says)", () => {
    for (const c of CASES.filter((x) => x.root)) expect(readFileSync(`/proc/${pids.get(c.port)}/cgroup`, "utf8")).toContain(`/${c.path}\n`);
  });

  it.each(CASES.map((c) => [c.path.split("/").pop(), c] as const))("%s: unit and container", (_name, c) => {
    if (c.root === null) return expect.fail("no cgroup v2 hierarchy on this machine");
    const { list } = records(["-l", "--who", "--port", String(c.port)]);
    expect(list).toHaveLength(1);
    const owner = list[0]!.owners!.find((o) => o.pid === pids.get(c.port))!;
    expect(owner.unit).toBe(c.unit);
    if (c.container === null) expect(owner.container).toBeNull();
    else expect(owner.container).toMatchObject({ name: null, ...c.container });
    expect(owner.cmdline).toBe(readFileSync(`/proc/${owner.pid}/cmdline`, "utf8").replace(/\0$/, "").split("\0").join(" "));
    const stat = readFileSync(`/proc/${owner.pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    expect(owner.ppid).toBe(ppid);
    expect(owner.parent).toBe(readFileSync(`/proc/${ppid}/comm`, "utf8").trim());
    expect(Math.abs(Date.parse(owner.startedAt!) - Date.now())).toBeLessThan(10 * 60_000);
  });

  it("--container and --unit find the sockets by name, id prefix or pod", () => {
    const ports = (args: string[]) => records(args).list.map((r) => r.localPort).sort();
    expect(ports(["--container", ids.docker.slice(0, 12)])).toEqual([19101]);
    expect(ports(["--container", "i19pod"])).toEqual([19106]);
    expect(ports(["--container", "web"])).toEqual([19106]);
    expect(ports(["--container", "i19box", "--container", ids.podman])).toEqual([19103, 19105]);
    expect(ports(["--unit", "i19-web"])).toEqual([19104]);
    expect(ports(["--unit", "i19-web.service"])).toEqual([19104]);
    expect(ports(["--unit", "nothing-such"])).toEqual([]);
  });

  it("the table shows the unit, the container and the command", () => {
    const r = runTcpstat(["-l", "--who"], { netns: ns });
    const row = r.stdout.split("\n").find((l) => l.includes(":19106 "))!;
    expect(r.stdout.split("\n")[0]).toMatch(/PID\/Program\s+Unit\s+Container\s+Command/);
    expect(row).toContain(`cri-containerd-${ids.kube}.scope`);
    expect(row).toContain("i19ns/i19pod/web");
    // The command as /proc has it, cut at 80 columns with an ellipsis when longer.
    const cmd = readFileSync(`/proc/${pids.get(19106)}/cmdline`, "utf8").replace(/\0$/, "").split("\0").join(" ");
    expect(row).toContain(cmd.length > 80 ? `${cmd.slice(0, 79)}…` : cmd);
  });

  it("a runtime that does not answer: ids without names and one notice saying why", () => {
    const { list, stderr } = records(["-l", "--who", "--port", "19101,19103"], { DOCKER_HOST: `unix://${silentPath}` });
    const byPort = new Map(list.map((r) => [r.localPort, r.owners![0]!.container]));
    expect(byPort.get(19101)).toMatchObject({ id: ids.docker, name: null });
    expect(byPort.get(19103)).toMatchObject({ id: ids.podman, name: null });
    expect(stderr.match(/container names unknown/g)).toHaveLength(1);
    expect(stderr).toMatch(/no answer within 1000 ms/);
  });

  it("summary --by unit counts each listener under its unit; --input refuses it", () => {
    const r = runTcpstat(["summary", "-l", "--by", "unit", "--json", "--top", "20"], { netns: ns });
    expect(r.status, r.stderr).toBe(0);
    const groups = new Map((JSON.parse(r.stdout).by.top as Array<{ key: string; count: number }>).map((g) => [g.key, g.count]));
    expect(groups.get("i19-web.service")).toBe(1);
    expect(groups.get(`docker-${ids.docker}.scope`)).toBe(1);
    const refused = runTcpstat(["summary", "--by", "unit", "--input", "-"], { input: "" });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--by unit reads this machine's cgroups/);
  });

  it("without --who the records carry none of it", () => {
    const { list } = records(["-l", "--port", "19101"]);
    expect(list[0]!.owners![0]).not.toHaveProperty("cmdline");
    expect(list[0]!.owners![0]).not.toHaveProperty("container");
  });
});

describe("metrics --who: series by container and unit, bounded like processes", () => {
  const PORTS = "19101-19107";
  const live = () => CASES.filter((c) => c.root !== null);
  // What the test made: a container's label is its name, else the first 12 digits of its id (as docker ps shows it).
  const containerLabels = () =>
    live()
      .filter((c) => c.container)
      .map((c) => (c.container!.name as string | null | undefined) ?? (c.container!.id as string).slice(0, 12));
  const unitLabels = () => live().flatMap((c) => (c.unit ? [c.unit] : []));
  const byLabel = (samples: Sample[], name: string, label: string) => new Map(select(samples, name).map((s) => [s.labels[label] ?? `rest=${s.labels.rest}`, s.value]));

  it(`each container and unit the test made has its series; promtool accepts it (${PROMTOOL ? "promtool found" : PROMTOOL_MISSING})`, () => {
    const r = runTcpstat(["metrics", "-t", "-l", "--port", PORTS, "--who", "--top", "20"], { netns: ns });
    expect(r.status, r.stderr).toBe(0);
    const samples = parseSamples(r.stdout);
    expect(byLabel(samples, "tcpstat_container_sockets", "container")).toEqual(new Map(containerLabels().map((l) => [l, 1])));
    expect(byLabel(samples, "tcpstat_unit_sockets", "unit")).toEqual(new Map(unitLabels().map((l) => [l, 1])));
    if (!PROMTOOL) return expect.fail(PROMTOOL_MISSING);
    expect(promtoolCheck(r.stdout)).toEqual({ status: 0, output: "" });
  });

  it('--top 2: two containers and two units get series, the rest one series labelled rest="true"', () => {
    const r = runTcpstat(["metrics", "-t", "-l", "--port", PORTS, "--who", "--top", "2"], { netns: ns });
    expect(r.status, r.stderr).toBe(0);
    const samples = parseSamples(r.stdout);
    for (const [name, label, all] of [
      ["tcpstat_container_sockets", "container", containerLabels()],
      ["tcpstat_unit_sockets", "unit", unitLabels()],
    ] as const) {
      const series = select(samples, name);
      expect(series).toHaveLength(3);
      // Ties (one socket each) go by name.
      expect(series.slice(0, 2).map((s) => s.labels[label])).toEqual([...all].sort().slice(0, 2));
      expect(series[2]).toEqual({ name, labels: { rest: "true" }, value: all.length - 2 });
    }
    if (PROMTOOL) expect(promtoolCheck(r.stdout)).toEqual({ status: 0, output: "" });
  });

  it("without --who there are no such series; --who with --input is refused", () => {
    const r = runTcpstat(["metrics", "-t", "-l", "--port", PORTS], { netns: ns });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/tcpstat_(container|unit)_sockets/);
    const refused = runTcpstat(["metrics", "--who", "--input", "-"], { input: "" });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--who reads this machine's cgroups/);
  });

  it("serve --who: a scrape carries the same series", async () => {
    const server = ns.spawn(process.execPath, [BIN, "serve", "--listen", "127.0.0.1:19190", "-t", "-l", "--port", PORTS, "--who", "--top", "20"]);
    try {
      await untilServing(server);
      const got = ns.run(process.execPath, ["-e", "fetch('http://127.0.0.1:19190/metrics').then(async (r) => process.stdout.write(await r.text()))"]);
      expect(got.status, got.stderr).toBe(0);
      const samples = parseSamples(got.stdout);
      expect(byLabel(samples, "tcpstat_container_sockets", "container")).toEqual(new Map(containerLabels().map((l) => [l, 1])));
      expect(byLabel(samples, "tcpstat_unit_sockets", "unit")).toEqual(new Map(unitLabels().map((l) => [l, 1])));
      // serve keeps process names out unless --process-labels (issue 22), --who or not.
      expect(got.stdout).not.toMatch(/tcpstat_process_sockets\{/);
    } finally {
      server.kill("SIGTERM");
      await once(server, "exit");
    }
  });
});

describe("doctor names the container and unit of an exposed service", () => {
  it("PostgreSQL's port on 0.0.0.0, held in a Docker-named cgroup: the finding names process, container and unit", async () => {
    const c = CASES[0]!;
    const child = ns.spawn("python3", [HELPER, "0.0.0.0:5432"]);
    await lineFrom(child, "listener 5432", /^ready\n/m);
    writeFileSync(join(c.root!, c.path, "cgroup.procs"), String(child.pid));
    exits.push(once(child, "exit"));
    const r = runTcpstat(["doctor", "--json", "--interval", "0"], { netns: ns });
    // doctor's exit status when it finds something (doctor --help).
    expect(r.status, r.stderr).toBe(3);
    const finding = (JSON.parse(r.stdout).findings as Array<{ rule: string; port: number; pid: number; evidence: string[] }>).find((f) => f.rule === "exposed-service" && f.port === 5432)!;
    expect(finding.pid).toBe(child.pid);
    const id12 = (c.container!.id as string).slice(0, 12);
    expect(finding.evidence).toContain(`held by python3 (pid ${child.pid}), container ${id12} (docker ${id12}), unit ${c.unit}`);
  });
});

