import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseHosts } from "../../src/lib/hosts-file.js";
import { ptrName, resolveNames } from "../../src/lib/resolve-names.js";
import { serviceNames } from "../../src/lib/services.js";
import type { SocketRecord } from "../../src/model/socket.js";

const dir = mkdtempSync(join(tmpdir(), "tcpstat-names-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the files -r reads", () => {
  it("hosts: the first line naming an address, IPv6 in RFC 5952 text", () => {
    const hosts = parseHosts("# c\n127.0.0.1 localhost\n127.0.0.1 other\n0:0:0:0:0:0:0:1 ip6-localhost ip6-loopback\nbad\n");
    expect(hosts.get("127.0.0.1")).toBe("localhost");
    expect(hosts.get("::1")).toBe("ip6-localhost");
    expect(hosts.size).toBe(2);
  });

  it("services: the first name for a port and protocol, built-in names where the file has none", () => {
    const names = serviceNames("www 80/tcp http\nmine 5000/udp\n");
    expect(names.get("80/tcp")).toBe("www");
    expect(names.get("5000/udp")).toBe("mine");
    expect(names.get("5000/tcp")).toBeUndefined();
    expect(names.get("443/tcp")).toBe("https");
  });

  it("PTR names", () => {
    expect(ptrName("10.1.2.3")).toBe("3.2.1.10.in-addr.arpa");
    expect(ptrName("2001:db8::1")).toBe("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  });
});

const rec = (localAddress: string, localPort: number, remoteAddress: string | null, remotePort: number | null): SocketRecord => ({
  proto: "tcp", family: localAddress.includes(":") ? "ipv6" : "ipv4", localAddress, localPort, remoteAddress, remotePort,
  state: remoteAddress ? "ESTABLISHED" : "LISTEN", recvQ: 0, sendQ: 0, pid: null, process: null, uid: 0, user: null, inode: 1, timer: null,
});

describe("resolveNames", () => {
  it("hosts first, DNS for the rest once each, wildcards never; a lookup that never ends is given up", async () => {
    writeFileSync(join(dir, "hosts"), "10.0.0.1 one.test\n");
    const asked: string[] = [];
    let cancelled = false;
    const reverse = (a: string) => {
      asked.push(a);
      return a === "10.0.0.2" ? Promise.resolve(["two.test"]) : new Promise<string[]>(() => {});
    };
    const records = [rec("10.0.0.1", 22, "10.0.0.2", 5000), rec("10.0.0.1", 22, "10.0.0.2", 5001), rec("0.0.0.0", 80, null, null), rec("::ffff:10.0.0.3", 443, "10.0.0.4", 6000)];
    const out = await resolveNames(records, { hostsPath: join(dir, "hosts"), servicesPath: join(dir, "none"), reverse, cancel: () => (cancelled = true) });
    expect(asked.sort()).toEqual(["10.0.0.2", "10.0.0.3", "10.0.0.4"]);
    expect(cancelled).toBe(true);
    expect(out.records.map((r) => [r.localHost, r.remoteHost, r.localService])).toEqual([
      ["one.test", "two.test", "ssh"],
      ["one.test", "two.test", "ssh"],
      [undefined, undefined, "http"],
      [undefined, undefined, "https"],
    ]);
    expect(out.notices).toEqual(["-r: 2 address(es) left numeric: DNS gave no answer in time (1 s a lookup, 2 s in all)"]);
  });
});
