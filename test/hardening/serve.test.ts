import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { untilServing } from "../helpers/serve.js";

/**
 * `tcpstat serve` facing the network it exports: started with no --listen in a fresh namespace
 * it binds loopback only; it answers nothing but GET and HEAD; malformed and oversized requests
 * get a 4xx and the server keeps serving; and the aggregate metrics name no peer of any
 * connection (addresses and client ports appear only with --detailed).
 */

let ns: Netns;
let serve: ChildProcess;
let clientPort: number;

// A connection from 127.0.0.2 to a listener on 127.0.0.3: any leak of a peer shows these.
const CONNECTION = String.raw`
import socket, time
srv = socket.socket(); srv.bind(("127.0.0.3", 0)); srv.listen()
c = socket.socket(); c.bind(("127.0.0.2", 0)); c.connect(srv.getsockname())
a, _ = srv.accept()
print(c.getsockname()[1], flush=True)
time.sleep(600)
`;

/** Raw HTTP exchanges from inside the namespace: each request is sent as given, the status line read back. */
const PROBE = String.raw`
const net = require("node:net");
const send = (raw) => new Promise((resolve) => {
  const s = net.connect(9717, "127.0.0.1");
  let got = "";
  s.on("data", (d) => {
    got += d;
    if (got.includes("\r\n")) s.destroy();
  });
  s.on("error", () => resolve("error"));
  s.on("close", () => resolve(got.split("\r\n")[0]));
  s.write(raw);
  setTimeout(() => s.destroy(), 10000).unref();
});
(async () => {
  const out = {};
  for (const m of ["PUT", "DELETE", "OPTIONS", "TRACE", "PATCH", "POST"]) out[m] = await send(m + " /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  out.garbage = await send("\x00\x01GARBAGE\r\n\r\n");
  out.hugeHeader = await send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\n\r\n");
  out.head = await send("HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  out.get = await send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  console.log(JSON.stringify(out));
})();
`;


function fetchIn(url: string): string {
  const r = ns.run(process.execPath, ["-e", `fetch(${JSON.stringify(url)}).then((r) => r.text()).then((t) => process.stdout.write(t))`]);
  if (r.status !== 0) throw new Error(`fetch failed: ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  ns = createNetns();
  const holder = ns.spawn("python3", ["-c", CONNECTION]);
  clientPort = Number(String((await once(holder.stdout!, "data"))[0]).trim());
  serve = ns.spawn(process.execPath, [BIN, "serve"], { env: { ...process.env, NO_COLOR: "1" } });
  await untilServing(serve);
});

afterAll(() => ns?.close());

describe("serve at its edges", () => {
  it("binds loopback by default, and nothing else", () => {
    const listeners = ns.run("ss", ["-tlnH"]).stdout.trim().split("\n").map((l) => l.trim().split(/\s+/)[3]);
    expect(listeners.sort()).toEqual(["127.0.0.1:9717", expect.stringMatching(/^127\.0\.0\.3:\d+$/)].sort());
  });

  it("answers only GET and HEAD; bad requests get a 4xx and the server goes on", () => {
    const r = ns.run(process.execPath, ["-e", PROBE]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    for (const m of ["PUT", "DELETE", "OPTIONS", "TRACE", "PATCH", "POST"]) expect(out[m], m).toBe("HTTP/1.1 405 Method Not Allowed");
    expect(out.garbage).toMatch(/^HTTP\/1\.1 400/);
    expect(out.hugeHeader).toMatch(/^HTTP\/1\.1 (431|400)/);
    expect(out.head).toBe("HTTP/1.1 200 OK");
    expect(out.get).toBe("HTTP/1.1 200 OK");
  });

  it("aggregate metrics name no peer: neither address nor client port of a connection", () => {
    const body = fetchIn("http://127.0.0.1:9717/metrics");
    expect(body).toMatch(/^tcpstat_sockets\{proto="tcp",family="ipv4",state="ESTABLISHED"\} [1-9]/m);
    expect(body).not.toContain("127.0.0.2");
    expect(body).not.toMatch(new RegExp(`"${clientPort}"`));
  });

  it("--detailed is what shows them", async () => {
    const detailed = ns.spawn(process.execPath, [BIN, "serve", "--listen", "127.0.0.1:9718", "--detailed"], { env: { ...process.env, NO_COLOR: "1" } });
    await untilServing(detailed);
    const body = fetchIn("http://127.0.0.1:9718/metrics");
    expect(body).toContain("127.0.0.2");
    expect(body).toMatch(new RegExp(`"${clientPort}"`));
    detailed.kill("SIGTERM");
  });
});
