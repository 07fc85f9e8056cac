import { readFileSync } from "node:fs";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseListen } from "../../src/commands/serve.js";
import { BIN, runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { untilServing } from "../helpers/serve.js";
import { parseSamples, value } from "../format/prometheus-text.js";

/** `tcpstat serve` as users run it: in a fresh namespace, fetched from inside it, stopped by signals. */

let ns: Netns;
beforeAll(() => {
  ns = createNetns();
});
afterAll(() => ns?.close());

/** GET (or another method) from inside the namespace, with Node's fetch. */
function nsFetch(url: string, method = "GET"): { status: number; body: string } {
  const script = `fetch(${JSON.stringify(url)}, { method: ${JSON.stringify(method)} }).then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.text() })), (e) => { console.error(String(e.cause ?? e)); process.exit(1); })`;
  const r = ns.run(process.execPath, ["-e", script]);
  if (r.status !== 0) throw new Error(`fetch ${url} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { status: number; body: string };
}

/** Starts serve in the namespace; resolves once it says where it listens. */
async function serve(args: string[], until?: string) {
  const child = ns.spawn(process.execPath, [BIN, "serve", ...args], { env: { ...process.env, NO_COLOR: "1" } });
  return { child, stderr: await untilServing(child, until) };
}

describe("parseListen", () => {
  it("reads HOST:PORT, [IPv6]:PORT and a bare port (loopback)", () => {
    expect(parseListen("127.0.0.1:9717")).toEqual({ host: "127.0.0.1", port: 9717 });
    expect(parseListen("[::1]:80")).toEqual({ host: "::1", port: 80 });
    expect(parseListen("0.0.0.0:9100")).toEqual({ host: "0.0.0.0", port: 9100 });
    expect(parseListen("localhost:9100")).toEqual({ host: "localhost", port: 9100 });
    expect(parseListen("9100")).toEqual({ host: "127.0.0.1", port: 9100 });
  });

  it("rejects anything else with the fix in the hint", () => {
    for (const bad of ["", "127.0.0.1", "127.0.0.1:", ":9100", "::1:9100", "example.com:80", "127.0.0.1:65536", "1.2.3.4:-1", "[::1]"]) {
      expect(() => parseListen(bad), bad).toThrow(/bad --listen/);
    }
  });
});

describe("tcpstat serve", () => {
  it("serves aggregate metrics and /healthz, 405 for POST, and exits 0 on SIGTERM", async () => {
    const { child, stderr } = await serve(["--listen", "127.0.0.1:9717", "-tu"]);
    expect(stderr()).toContain("tcpstat: serving aggregate metrics on http://127.0.0.1:9717/metrics");
    const metrics = nsFetch("http://127.0.0.1:9717/metrics");
    expect(metrics.status).toBe(200);
    const samples = parseSamples(metrics.body);
    // the server's own listener is the namespace's only TCP socket besides the fetch's connection
    expect(value(samples, "tcpstat_listening_sockets", { proto: "tcp", family: "ipv4", port: "9717" })).toBe(1);
    expect(samples.some((s) => s.name === "tcpstat_socket_info")).toBe(false);
    expect(nsFetch("http://127.0.0.1:9717/healthz")).toEqual({ status: 200, body: "ok\n" });
    expect(nsFetch("http://127.0.0.1:9717/metrics", "POST").status).toBe(405);
    child.kill("SIGTERM");
    // "close", not "exit": the goodbye line may still be in the pipe when the process has exited
    const [code] = await once(child, "close");
    expect(code).toBe(0);
    expect(stderr()).toContain("tcpstat: SIGTERM: shutting down");
  });

  it("--detailed adds per-socket series; SIGINT also exits 0", async () => {
    const { child } = await serve(["--listen", "127.0.0.1:9718", "--detailed"]);
    const samples = parseSamples(nsFetch("http://127.0.0.1:9718/metrics").body);
    expect(samples.filter((s) => s.name === "tcpstat_socket_info" && s.labels.local_port === "9718" && s.labels.state === "LISTEN")).toHaveLength(1);
    child.kill("SIGINT");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });

  it("shows no process names or pids unless --process-labels (issue 22): ss -p hides them from other users", async () => {
    const plain = await serve(["--listen", "127.0.0.1:9720", "--detailed"]);
    const hidden = parseSamples(nsFetch("http://127.0.0.1:9720/metrics").body);
    expect(hidden.filter((s) => s.name === "tcpstat_process_sockets")).toEqual([]);
    const own = hidden.filter((s) => s.name === "tcpstat_socket_info" && s.labels.local_port === "9720" && s.labels.state === "LISTEN");
    expect(own).toHaveLength(1);
    expect(Object.keys(own[0]!.labels)).not.toContain("pid");
    expect(Object.keys(own[0]!.labels)).not.toContain("process");
    plain.child.kill("SIGTERM");
    await once(plain.child, "close");

    const labelled = await serve(["--listen", "127.0.0.1:9720", "--detailed", "--process-labels"]);
    const shown = parseSamples(nsFetch("http://127.0.0.1:9720/metrics").body);
    const comm = readFileSync(`/proc/${labelled.child.pid}/comm`, "utf8").trim();
    // its listener, its end of the scrape, and the scraper (node too)
    expect(value(shown, "tcpstat_process_sockets", { process: comm })).toBeGreaterThan(0);
    const info = shown.filter((s) => s.name === "tcpstat_socket_info" && s.labels.local_port === "9720" && s.labels.state === "LISTEN");
    expect(info.map((s) => [s.labels.pid, s.labels.process])).toEqual([[String(labelled.child.pid), comm]]);
    labelled.child.kill("SIGTERM");
    await once(labelled.child, "close");
  });

  it("fails with one line: bad address (2), port taken (1), address not on this host (1)", async () => {
    const bad = runTcpstat(["serve", "--listen", "nowhere:80"], { netns: ns });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^tcpstat: bad --listen 'nowhere:80': 'nowhere' is not an IP address; give HOST:PORT/);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);

    const { child } = await serve(["--listen", "127.0.0.1:9719"]);
    const taken = runTcpstat(["serve", "--listen", "127.0.0.1:9719"], { netns: ns });
    expect(taken.status).toBe(1);
    expect(taken.stderr).toBe("tcpstat: cannot listen on 127.0.0.1:9719: address already in use; choose another port with --listen\n");
    child.kill("SIGTERM");
    await once(child, "exit");

    const foreign = runTcpstat(["serve", "--listen", "192.0.2.1:9720"], { netns: ns });
    expect(foreign.status).toBe(1);
    expect(foreign.stderr).toMatch(/^tcpstat: cannot listen on 192\.0\.2\.1:9720: no such address on this host; /);

    for (const [flag, v] of [["--timeout", "0"], ["--max-connections", "x"], ["--top", "lots"]]) {
      const r = runTcpstat(["serve", flag!, v!], { netns: ns });
      expect(r.status, flag).toBe(2);
      expect(r.stderr, flag).toMatch(new RegExp(`^tcpstat: bad ${flag} '${v}'; `));
    }
  });

  it("warns on stderr when told to listen beyond loopback", async () => {
    // the warning follows the serving line, possibly in a later read of the pipe: wait for it
    const { child, stderr } = await serve(["--listen", "0.0.0.0:9721"], "not loopback");
    expect(stderr()).toContain("tcpstat: serving aggregate metrics on http://0.0.0.0:9721/metrics\ntcpstat: warning: 0.0.0.0 is not loopback");
    child.kill("SIGTERM");
    expect((await once(child, "exit"))[0]).toBe(0);
  });
});
