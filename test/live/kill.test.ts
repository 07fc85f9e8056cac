import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { BIN, runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";

/**
 * -K against the kernel: a namespace holding 200 connections (clients bound to ports
 * 20000-20199, all to one listener on 7600); a filter selecting 10 client ends closes exactly
 * those 10, both ends of each see it, and the other 190 connections stay established.
 */

const HOLDER = `
import socket, selectors, errno
sel = selectors.DefaultSelector()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 7600)); s.listen(512)
for p in range(20000, 20200):
    c = socket.socket(); c.bind(("127.0.0.1", p)); c.connect(("127.0.0.1", 7600))
    a, _ = s.accept()
    sel.register(c, selectors.EVENT_READ, "client %d" % p)
    sel.register(a, selectors.EVENT_READ, "server %d" % p)
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        try:
            data = key.fileobj.recv(10)
            seen = "EOF" if data == b"" else "data"
        except OSError as e:
            seen = errno.errorcode.get(e.errno, str(e.errno))
        sel.unregister(key.fileobj)
        print("event", key.data, seen, flush=True)
`;

let ns: Netns;
let holder: ChildProcess;
const established = (filter: string[]) =>
  ns
    .run("ss", ["-tanH", "state", "established", ...filter])
    .stdout.trim()
    .split("\n")
    .filter(Boolean);

beforeAll(async () => {
  ns = createNetns();
  holder = ns.spawn("python3", ["-c", HOLDER]);
  await lineFrom(holder, "holder of 200 connections");
});
afterAll(() => ns?.close());

describe("-K refuses what it must", () => {
  it("without a filter: one line, exit 2, nothing closed", () => {
    for (const args of [["-K", "--yes"], ["-K", "-t", "--yes"]]) {
      const r = runTcpstat(args, { netns: ns });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^tcpstat: -K closes the sockets a filter selects, and none was given.*add a filter/);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    expect(established(["dport", "=", ":7600"])).toHaveLength(200);
  });

  it("not on a terminal and without --yes: one line, exit 2", () => {
    const r = runTcpstat(["-K", "sport", "=", ":20000"], { netns: ns });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^tcpstat: -K asks before closing, and there is no terminal to ask on; add --yes/);
  });

  it("as a user without CAP_NET_ADMIN (setpriv): the clear line, exit 1, nothing closed", () => {
    const r = ns.run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, BIN, "-K", "--yes", "sport", "=", ":20000"]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^tcpstat: closing connections needs root \(CAP_NET_ADMIN\).*run it as root/);
    expect(r.stdout).toBe("");
    expect(established(["dport", "=", ":7600"])).toHaveLength(200);
  });

  it("on a terminal, answered no: lists the sockets, closes nothing", () => {
    const command = `${process.execPath} ${BIN} -K sport ge :20000 and sport le :20001 and dport = :7600`;
    const r = ns.run("script", ["-qec", command, "/dev/null"], { input: "n\n", env: { ...process.env, NO_COLOR: "1" } });
    expect(r.stdout).toMatch(/127\.0\.0\.1:20000 +127\.0\.0\.1:7600 +ESTABLISHED/);
    expect(r.stdout).toMatch(/127\.0\.0\.1:20001 +127\.0\.0\.1:7600 +ESTABLISHED/);
    expect(r.stdout).toMatch(/Close these 2 sockets\? \[y\/N\]/);
    expect(r.stdout).toMatch(/nothing closed/);
    expect(established(["dport", "=", ":7600"])).toHaveLength(200);
  });
});

describe("-K closes exactly the selected connections", () => {
  it("10 of 200: both ends see it, the other 190 stay", async () => {
    const events = lineFrom(holder, "holder's events", /((?:^event [^\n]*\n){20})/m);
    const r = runTcpstat(["-K", "--yes", "dport", "=", ":7600", "and", "sport", ">=", ":20100", "and", "sport", "<", ":20110"], { netns: ns });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(10);
    for (let p = 20100; p < 20110; p++) expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^closed tcp 127\\.0\\.0\\.1:${p} 127\\.0\\.0\\.1:7600 ESTABLISHED \\d+/python3$`)));

    const seen = (await events).trim().split("\n").sort();
    expect(seen).toHaveLength(20);
    for (let p = 20100; p < 20110; p++) {
      expect(seen).toContain(`event client ${p} ECONNABORTED`);
      // The server's end got the reset: ECONNRESET (or EOF where the reset raced the read).
      expect(seen).toContainEqual(expect.stringMatching(new RegExp(`^event server ${p} (ECONNRESET|EOF)$`)));
    }

    const clients = established(["dport", "=", ":7600"]).map((l) => Number(/127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:7600/.exec(l)![1]));
    expect(clients).toHaveLength(190);
    expect(clients.filter((p) => p >= 20100 && p < 20110)).toEqual([]);
    expect(established(["sport", "=", ":7600"])).toHaveLength(190);
    expect(ns.run("ss", ["-tlnH", "sport", "=", ":7600"]).stdout.trim().split("\n")).toHaveLength(1);
  });

  it("on a terminal, answered yes: closes the one listed", () => {
    const command = `${process.execPath} ${BIN} -K sport = :20000 and dport = :7600`;
    const r = ns.run("script", ["-qec", command, "/dev/null"], { input: "y\n", env: { ...process.env, NO_COLOR: "1" } });
    expect(r.stdout).toMatch(/Close this socket\? \[y\/N\]/);
    expect(r.stdout).toMatch(/^closed tcp 127\.0\.0\.1:20000 127\.0\.0\.1:7600 ESTABLISHED \d+\/python3\r?$/m);
    expect(established(["dport", "=", ":7600"])).toHaveLength(189);
  });

  it("a filter that selects nothing closes nothing and says so", () => {
    const r = runTcpstat(["-K", "--yes", "dport", "=", ":1"], { netns: ns });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toBe("tcpstat: no socket matches the filter; nothing closed");
    expect(established(["dport", "=", ":7600"])).toHaveLength(189);
  });
});
