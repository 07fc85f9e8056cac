import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { BIN } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";

/**
 * -r against a private hosts file and a DNS server that never answers: both are bind-mounted
 * over /etc/hosts and /etc/resolv.conf in a mount namespace of the run's own (unshare -m), and
 * the "server" is a UDP socket the test holds in the network namespace, which says each query
 * it receives and answers none.
 */

const SINK = `
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.53", 53))
print("ready", flush=True)
while True:
    data, _ = u.recvfrom(2048)
    labels, i = [], 12
    while data[i]:
        labels.append(data[i + 1 : i + 1 + data[i]].decode()); i += 1 + data[i]
    print("query", ".".join(labels), flush=True)
`;

const HOLDER = `
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 7700)); s.listen()
c = socket.create_connection(("127.0.0.1", 7700)); a, _ = s.accept()
t = socket.socket(); t.bind(("127.0.0.9", 443)); t.listen()
print("ready", flush=True); time.sleep(600)
`;

let ns: Netns;
let sink: ChildProcess;
let dir: string;
beforeAll(async () => {
  ns = createNetns();
  dir = mkdtempSync(join(tmpdir(), "tcpstat-resolve-"));
  writeFileSync(join(dir, "hosts"), "# a private hosts file\n127.0.0.1 r18a-loopback.test r18a-alias\n::1 r18a-six.test\n");
  writeFileSync(join(dir, "resolv.conf"), "nameserver 127.0.0.53\n");
  sink = ns.spawn("python3", ["-c", SINK]);
  await lineFrom(sink, "DNS sink");
  await lineFrom(ns.spawn("python3", ["-c", HOLDER]), "socket holder");
});
afterAll(() => {
  ns?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** tcpstat ARGS in the namespace, with the private hosts file and resolv.conf mounted over the machine's. */
function runWithFiles(args: readonly string[]) {
  const mounts = `mount --bind ${dir}/hosts /etc/hosts && mount --bind ${dir}/resolv.conf /etc/resolv.conf && exec "$0" "$@"`;
  const started = Date.now();
  const r = ns.run("unshare", ["-m", "sh", "-c", mounts, process.execPath, BIN, ...args], { env: { ...process.env, NO_COLOR: "1" } });
  return { ...r, ms: Date.now() - started };
}

describe("-r/--resolve", () => {
  it("names 127.0.0.1 from the hosts file, without asking DNS, and ports from the services database", async () => {
    const queries: string[] = [];
    sink.stdout!.on("data", (d: Buffer) => queries.push(...d.toString().trim().split("\n")));
    const r = runWithFiles(["-r", "--no-owners", "--port", "7700"]);
    expect(r.status).toBe(0);
    const rows = r.stdout.trim().split("\n").slice(1);
    expect(rows).toHaveLength(3);
    expect(rows).toContainEqual(expect.stringMatching(/^tcp +0 +0 +r18a-loopback\.test:7700 +0\.0\.0\.0:\* +LISTEN/));
    expect(rows).toContainEqual(expect.stringMatching(/^tcp +0 +0 +r18a-loopback\.test:7700 +r18a-loopback\.test:\d+ +ESTABLISHED/));
    expect(rows).toContainEqual(expect.stringMatching(/^tcp +0 +0 +r18a-loopback\.test:\d+ +r18a-loopback\.test:7700 +ESTABLISHED/));
    expect(r.stderr).toBe("");
    expect(queries.filter((q) => q.includes("1.0.0.127"))).toEqual([]);

    const json = runWithFiles(["-r", "--no-owners", "--json", "--remote-port", "7700"]);
    const records = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(records).toHaveLength(1);
    for (const rec of records) expect([rec.localAddress, rec.localHost, rec.remoteHost]).toEqual(["127.0.0.1", "r18a-loopback.test", "r18a-loopback.test"]);
    // Numeric stays the default.
    const plain = runWithFiles(["--no-owners", "--local-port", "7700"]);
    expect(plain.stdout).not.toMatch(/r18a/);
    expect(plain.stdout).toMatch(/127\.0\.0\.1:7700/);
  });

  it("a DNS server that never answers: asked once, the address stays numeric, the run ends within its bound", async () => {
    const asked = lineFrom(sink, "DNS sink", /^query (9\.0\.0\.127\.in-addr\.arpa)$/m);
    const r = runWithFiles(["-r", "--no-owners", "-l", "--local-port", "443", "--json"]);
    expect(await asked).toBe("9.0.0.127.in-addr.arpa");
    expect(r.status).toBe(0);
    const [rec] = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(rec).toMatchObject({ localAddress: "127.0.0.9", localPort: 443, localService: "https" });
    expect(rec!.localHost).toBeUndefined();
    expect(r.stderr.trim()).toBe("tcpstat: -r: 1 address(es) left numeric: DNS gave no answer in time (1 s a lookup, 2 s in all)");
    // The bound is the feature: a resolver's own default (5 s, 2 tries) would take 10 s.
    expect(r.ms).toBeLessThan(8000);
  });

  it("is refused with --input and --watch", () => {
    const watch = runWithFiles(["-r", "--watch", "1"]);
    expect(watch.status).toBe(2);
    expect(watch.stderr.trim()).toMatch(/^tcpstat: -r\/--resolve does not go with --watch/);
    const input = runWithFiles(["-r", "--input", `${dir}/hosts`]);
    expect(input.status).toBe(2);
    expect(input.stderr.trim()).toMatch(/^tcpstat: -r\/--resolve names this machine's view of addresses; it cannot apply to --input/);
  });
});
