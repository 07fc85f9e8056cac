import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import type { SocketRecord } from "../../src/model/socket.js";

/** -e and -m against ss -e and ss -m: each socket's inode, cookie (sk:), uid and skmem; a non-root holder's uid. */

let ns: Netns;
beforeAll(async () => {
  ns = createNetns();
  const script = `
import socket, time, os
s = socket.socket(); s.bind(("127.0.0.1", 7500)); s.listen()
c = socket.create_connection(("127.0.0.1", 7500)); a, _ = s.accept(); c.sendall(b"z" * 700)
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u.bind(("::1", 7501))
print("ready", flush=True); time.sleep(600)`;
  await lineFrom(ns.spawn("python3", ["-c", script]), "root holder");
  const nobody = `
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 7502)); s.listen()
print("ready", flush=True); time.sleep(600)`;
  await lineFrom(ns.spawn("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", nobody]), "nobody's holder");
});
afterAll(() => ns?.close());

describe("-e agrees with ss -tuaneH", () => {
  it("inode, cookie and uid of every socket", () => {
    const ss = ns.run("ss", ["-tuaneH"]).stdout.trim().split("\n");
    const r = runTcpstat(["-e", "-tu", "--json"], { netns: ns });
    expect(r.stderr).toBe("");
    const records = JSON.parse(r.stdout) as SocketRecord[];
    expect(records).toHaveLength(ss.length);
    expect(ss).toHaveLength(5);
    for (const line of ss) {
      const inode = Number(/ ino:(\d+)/.exec(line)![1]);
      const cookie = / sk:([0-9a-f]+)/.exec(line)![1];
      const uid = Number(/ uid:(\d+)/.exec(line)?.[1] ?? 0);
      const rec = records.find((x) => x.inode === inode);
      expect(rec, line).toBeDefined();
      expect(rec!.cookie).toBe(cookie);
      expect(rec!.uid).toBe(uid);
    }
    expect(records.find((x) => x.localPort === 7502)!.uid).toBe(65534);
  });

  it("the table's Uid, Inode and Cookie columns", () => {
    const r = runTcpstat(["-e", "--no-owners", "--local-port", "7502"], { netns: ns });
    const [head, row] = r.stdout.trim().split("\n");
    expect(head!.trim().split(/\s+/).slice(-3)).toEqual(["Uid", "Inode", "Cookie"]);
    const line = ns.run("ss", ["-tlneH", "sport", "=", ":7502"]).stdout;
    const [inode, cookie] = [/ ino:(\d+)/.exec(line)![1], / sk:([0-9a-f]+)/.exec(line)![1]];
    expect(row!.trim().split(/\s+/).slice(-3)).toEqual(["65534", inode, cookie]);
  });
});

describe("-m agrees with ss -tuanmeHO", () => {
  it("skmem of every socket, on idle sockets exactly", () => {
    const ss = ns.run("ss", ["-tuanmeHO"]).stdout.trim().split("\n");
    const r = runTcpstat(["-m", "-tu", "--json", "--no-owners"], { netns: ns });
    expect(r.stderr).toBe("");
    const records = JSON.parse(r.stdout) as SocketRecord[];
    expect(records).toHaveLength(ss.length);
    for (const line of ss) {
      const inode = Number(/ ino:(\d+)/.exec(line)![1]);
      const m = /skmem:\(r(\d+),rb(\d+),t(\d+),tb(\d+),f(\d+),w(\d+),o(\d+),bl(\d+),d(\d+)\)/.exec(line)!.slice(1).map(Number);
      const rec = records.find((x) => x.inode === inode)!;
      const mem = rec.memory!;
      expect([mem.rmemAlloc, mem.rcvBuf, mem.wmemAlloc, mem.sndBuf, mem.fwdAlloc, mem.wmemQueued, mem.optMem, mem.backlog, mem.drops], line).toEqual(m);
    }
    // The 700 unread bytes sit in the server side's receive memory.
    const server = records.find((x) => x.localPort === 7500 && x.state === "ESTABLISHED")!;
    expect(server.recvQ).toBe(700);
    expect(server.memory!.rmemAlloc).toBeGreaterThan(700);
    expect(records.every((x) => x.cookie === undefined && x.tcpInfo === undefined)).toBe(true);
  });

  it("the table's columns, and -s refuses it", () => {
    const r = runTcpstat(["-m", "--no-owners", "--local-port", "7502"], { netns: ns });
    const [head, row] = r.stdout.trim().split("\n");
    expect(head!.trim().split(/\s+/).slice(-3)).toEqual(["Rmem/Rbuf", "Wmem/Sbuf", "Drops"]);
    expect(row!.trim().split(/\s+/).slice(-3)).toEqual([expect.stringMatching(/^\d+\/\d+$/), expect.stringMatching(/^\d+\/\d+$/), "0"]);
    expect(runTcpstat(["-s", "-m"], { netns: ns }).status).toBe(2);
  });
});
