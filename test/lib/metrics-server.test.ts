import { connect, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { PROMETHEUS_CONTENT_TYPE } from "../../src/format/prometheus.js";
import { createMetricsServer, type MetricsServer } from "../../src/lib/metrics-server.js";

/** The scrape endpoint itself, on an ephemeral loopback port, with a collection the test controls. */

let running: MetricsServer | undefined;
afterEach(async () => {
  await running?.close(100);
  running = undefined;
});

async function start(collect: () => Promise<string>, options: { timeoutMs?: number; maxConnections?: number } = {}) {
  const logs: string[] = [];
  running = createMetricsServer({ collect, contentType: PROMETHEUS_CONTENT_TYPE, log: (l) => logs.push(l), ...options });
  await new Promise<void>((resolve) => running!.server.listen(0, "127.0.0.1", resolve));
  const { port } = running.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, logs };
}

const BODY = "# HELP x y\n# TYPE x gauge\nx 1\n";

describe("metrics server", () => {
  it("serves /metrics with the exposition content type, /healthz, and 404 elsewhere", async () => {
    const { url } = await start(async () => BODY);
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(await metrics.text()).toBe(BODY);
    const health = await fetch(`${url}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, "ok\n"]);
    const missing = await fetch(`${url}/nope`);
    expect([missing.status, await missing.text()]).toEqual([404, "not found: /nope; try /metrics\n"]);
    expect((await fetch(`${url}/metrics?x=1`)).status).toBe(200);
  });

  it("answers HEAD with the headers only, and other methods with 405 and Allow", async () => {
    const { url } = await start(async () => BODY);
    const head = await fetch(`${url}/metrics`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(BODY.length));
    expect(await head.text()).toBe("");
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const r = await fetch(`${url}/metrics`, { method });
      expect(r.status, method).toBe(405);
      expect(r.headers.get("allow")).toBe("GET, HEAD");
    }
  });

  it("lets concurrent scrapes share the collection in flight", async () => {
    let calls = 0;
    // The first collection is held until all six requests have reached the server (its own
    // handler runs first on each, and joins or starts the collection then).
    let allArrived!: () => void;
    const six = new Promise<void>((resolve) => (allArrived = resolve));
    const { url } = await start(async () => {
      calls++;
      if (calls === 1) await six;
      return `x ${calls}\n`;
    });
    let arrived = 0;
    running!.server.on("request", () => {
      if (++arrived === 6) allArrived();
    });
    const bodies = await Promise.all(Array.from({ length: 6 }, () => fetch(`${url}/metrics`).then((r) => r.text())));
    expect(calls).toBe(1);
    expect(new Set(bodies)).toEqual(new Set(["x 1\n"]));
    // once it is done, the next scrape collects afresh
    expect(await (await fetch(`${url}/metrics`)).text()).toBe("x 2\n");
    expect(calls).toBe(2);
  });

  it("answers 500 and logs when a collection fails, then recovers", async () => {
    let fail = true;
    const { url, logs } = await start(async () => {
      if (fail) throw new Error("cannot read /proc/net/tcp");
      return BODY;
    });
    const r = await fetch(`${url}/metrics`);
    expect([r.status, await r.text()]).toEqual([500, "collection failed: cannot read /proc/net/tcp\n"]);
    expect(logs).toEqual(["tcpstat: scrape failed: cannot read /proc/net/tcp"]);
    fail = false;
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
  });

  it("cuts off a client that never finishes its request", async () => {
    const { port } = await start(async () => BODY, { timeoutMs: 1000 });
    // The 408 and the close are the cut (a bound on how soon is the benchmark's, not this test's).
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => socket.write("GET /metrics HTTP/1.1\r\nHost: x\r\n"));
      let data = "";
      socket.on("data", (d) => (data += d));
      socket.on("close", () => resolve(data));
      socket.on("error", reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("beyond the cap, gives the newcomer the slot of an idle connection instead of refusing it", async () => {
    const { url, port } = await start(async () => BODY, { maxConnections: 2 });
    const open = () =>
      new Promise<import("node:net").Socket>((resolve) => {
        const s = connect(port, "127.0.0.1", () => resolve(s));
      });
    const held = [await open(), await open()];
    const closed = held.map((s) => new Promise<void>((resolve) => s.on("close", () => resolve())));
    const r = await fetch(`${url}/metrics`);
    expect([r.status, await r.text()]).toEqual([200, BODY]);
    // The longest idle of the two gave up its slot.
    await Promise.race(closed);
    held.forEach((s) => s.destroy());
  });

  it("close() lets a scrape in progress finish", async () => {
    let release!: () => void;
    let collecting!: () => void;
    const started = new Promise<void>((resolve) => (collecting = resolve));
    const { url } = await start(() => {
      collecting();
      return new Promise<string>((resolve) => (release = () => resolve(BODY)));
    });
    const pending = fetch(`${url}/metrics`).then((r) => r.text());
    await started;
    const closing = running!.close(5000);
    release();
    expect(await pending).toBe(BODY);
    await closing;
    expect(running!.server.listening).toBe(false);
  });
});
