import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import type { SocketRecord } from "../../src/model/socket.js";

/** -e against `ss -tuaneH`: each socket's inode and cookie (sk:), and its uid; a non-root holder's uid. */

let ns: Netns;
beforeAll(async () => {
  ns = createNetns();
  const script = `
import socket, time, os
s = socket.socket(); s.bind(("127.0.0.1", 7500)); s.listen()
c = socket.create_connection(("127.0.0.1", 7500)); a, _ = s.accept()
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
