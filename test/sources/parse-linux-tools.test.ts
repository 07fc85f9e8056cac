import { describe, expect, it } from "vitest";
import { parseSockstat } from "../../src/sources/freebsd/parse-sockstat.js";
import { parseLinuxNetstat } from "../../src/sources/linux-netstat/parse-netstat-tuanp.js";
import { parseSs } from "../../src/sources/linux-ss/parse-ss.js";

const line = (r: { proto: string; localAddress: string; localPort: number; remoteAddress: string | null; remotePort: number | null; state: string | null; pid: number | null; process: string | null }) =>
  `${r.proto} ${r.localAddress}:${r.localPort} ${r.remoteAddress}:${r.remotePort} ${r.state} ${r.pid} ${r.process}`;

describe("parseLinuxNetstat", () => {
  it("reads program names with spaces, '-' owners, blank UDP states and timers", () => {
    const text = `(Not all processes could be identified, non-owned process info
 will not be shown, you would have to be root to see it all.)
Active Internet connections (servers and established)
Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name     Timer
tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      600/sshd: /usr/sbin  off (0.00/0/0)
tcp        0      0 192.168.200.140:22      192.168.200.139:46094   ESTABLISHED -                    keepalive (7032.81/0/0)
tcp6       0      0 :::80                   :::*                    LISTEN      -                    off (0.00/0/0)
udp        0      0 0.0.0.0:68              0.0.0.0:*                           535/dhclient         off (0.00/0/0)
udp6       0      0 ::1:36329               ::1:9999                ESTABLISHED 19584/web server     off (0.00/0/0)
tcp        0      0 1.2.3.4:x               0.0.0.0:*               LISTEN      -                    off (0.00/0/0)
`;
    const { records, problems } = parseLinuxNetstat(text);
    expect(records.map(line)).toEqual([
      "tcp 0.0.0.0:22 null:null LISTEN 600 sshd: /usr/sbin",
      "tcp 192.168.200.140:22 192.168.200.139:46094 ESTABLISHED null null",
      "tcp :::80 null:null LISTEN null null",
      "udp 0.0.0.0:68 null:null null 535 dhclient",
      "udp ::1:36329 ::1:9999 null 19584 web server",
    ]);
    expect(records[1]!.timer).toEqual({ kind: "keepalive", expiresInMs: 7032810, retransmits: 0 });
    expect(problems.map((p) => p.line)).toEqual([10]);
  });
});

describe("parseSs", () => {
  it("reads multi-pid owners (lowest pid), uid, inode, interface-bound addresses and skips info and mptcp lines", () => {
    const text = `Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess
tcp   LISTEN 0      511          0.0.0.0:80         0.0.0.0:*    users:(("nginx",pid=12537,fd=6),("nginx",pid=12532,fd=6)) ino:35524 sk:9 cgroup:/system.slice/nginx.service <->
udp   UNCONN 0      0      127.0.0.53%lo:53         0.0.0.0:*    users:(("systemd-resolve",pid=1117,fd=12)) uid:101 ino:29400 sk:7 <->
tcp   ESTAB  0      0           13.0.0.2:5001      11.0.0.2:54618 ino:465944 sk:1001 cgroup:unreachable:ac4 <->
\t ts sack cubic wscale:7,7 rto:268 rtt:67.084/33.542 ato:40 mss:1448
mptcp ESTAB  70600  0           13.0.0.2:5001      11.0.0.2:54618 ino:465944 sk:1003 <->
tcp   TIME-WAIT 0   0          192.0.2.2:60972 203.0.113.80:80   timer:(timewait,2.684ms,0) ino:0 sk:5f29
tcp   LISTEN 0      511                *:8443             *:*     users:(("web server",pid=19584,fd=20))
`;
    const { records, problems } = parseSs(text);
    expect(problems).toEqual([]);
    expect(records.map(line)).toEqual([
      "tcp 0.0.0.0:80 null:null LISTEN 12532 nginx",
      "udp 127.0.0.53:53 null:null null 1117 systemd-resolve",
      "tcp 13.0.0.2:5001 11.0.0.2:54618 ESTABLISHED null null",
      "tcp 192.0.2.2:60972 203.0.113.80:80 TIME_WAIT null null",
      "tcp :::8443 null:null LISTEN 19584 web server",
    ]);
    expect(records[0]).toMatchObject({ inode: 35524, sendQ: 511 });
    expect(records[1]).toMatchObject({ uid: 101, inode: 29400 });
    expect(records[3]).toMatchObject({ inode: null, timer: { kind: "timewait", expiresInMs: 3, retransmits: 0 } });
    expect(records[4]!.family).toBe("ipv6");
  });

  it("reads the Netid-less layout of a single-protocol query (ss -tln)", () => {
    const text = `State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process
LISTEN 0      128          0.0.0.0:22        0.0.0.0:*
`;
    expect(parseSs(text).records.map(line)).toEqual(["tcp 0.0.0.0:22 null:null LISTEN null null"]);
  });
});

describe("parseSockstat", () => {
  it("reads owners, ? rows and both IPv6 spellings; no state without -s", () => {
    const text = `USER     COMMAND    PID   FD PROTO  LOCAL ADDRESS         FOREIGN ADDRESS
unbound  unbound    9639  4  tcp4   10.0.0.10:53          *:*
root     sshd       1021  4  tcp6   ::1:22                *:*
root     sshd       1021  5  tcp6   [fe80::1%em0]:22      [fe80::2%em0]:5000
?        ?          ?     ?  udp4   *:514                 *:*
root     devd       400   4  stream /var/run/devd.pipe
`;
    const { records, problems } = parseSockstat(text);
    expect(problems).toEqual([]);
    expect(records.map(line)).toEqual([
      "tcp 10.0.0.10:53 null:null null 9639 unbound",
      "tcp ::1:22 null:null null 1021 sshd",
      "tcp fe80::1%em0:22 fe80::2%em0:5000 null 1021 sshd",
      "udp 0.0.0.0:514 null:null null null null",
    ]);
    expect(records[0]!.user).toBe("unbound");
  });
});

describe("net-tools netstat: addresses cut to fit 22 characters", () => {
  const head = "Proto Recv-Q Send-Q Local Address               Foreign Address             State\n";
  // ::ffff:192.168.1.10 + 3306 is 23 characters of address and port: netstat keeps 18 of the address.
  const exact = "tcp        0      0 ::ffff:192.168.1.1:3306     ::ffff:10.0.0.9:51234       ESTABLISHED\n";
  const plain = "tcp        0      0 ::ffff:192.168.0.:54321     ::ffff:10.20.30.40:443      ESTABLISHED\n";

  it("keeps a plainly cut row, marks the field, and then distrusts 23-character texts of the same capture", () => {
    const r = parseLinuxNetstat(head + exact + plain, { source: "n" });
    expect(r.problems).toEqual([]);
    expect(r.records.map((x) => [x.localAddress, x.truncated])).toEqual([
      ["::ffff:192.168.1.1", ["localAddress"]],
      ["::ffff:192.168.0.", ["localAddress"]],
    ]);
    expect(r.notices).toEqual([`2 row(s) kept with a field cut by the tool's column width; cut fields are listed in "truncated", first at n:2: local address '::ffff:192.168.1.1'`]);
  });

  it("takes a 23-character text as printed when nothing in the capture is plainly cut", () => {
    const r = parseLinuxNetstat(head + exact, { source: "n" });
    expect(r.records[0]).not.toHaveProperty("truncated");
    expect(r.notices).toEqual([]);
  });
});
