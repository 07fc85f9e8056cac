import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SocketRecordSchema, type SocketRecord } from "../../src/model/socket.js";
import { runTcpstat } from "../helpers/cli.js";

/**
 * Real captures from other machines (../shared/fixtures-real, see its PROVENANCE.md), replayed
 * through the built CLI: `tcpstat --input FILE -tu --json`. Expectations were worked out by hand
 * from the captures (counts by grep, addresses decoded on paper), not copied from tcpstat's output.
 * Windows captures are covered by test/conformance/windows*.
 */
const REAL = fileURLToPath(new URL("../../../shared/fixtures-real/", import.meta.url));
const present = existsSync(REAL);
if (!present) console.warn(`conformance: SKIPPED, ${REAL} is absent (the real captures live outside the repo in ../shared)`);

interface Expectation {
  format: string;
  count: number;
  /** Records that must be present (fields given must match). */
  has?: Array<Partial<SocketRecord>>;
  /** Counts of records by state (tcp) or "udp". */
  states?: Record<string, number>;
  ipv6?: number;
  notice?: RegExp;
}

const LISTEN = { state: "LISTEN", remoteAddress: null, remotePort: null } as const;

const EXPECT: Record<string, Expectation> = {
  "darwin/macos-netstat-anv-p-tcp-legacy-egrep.txt": {
    format: "macos-netstat",
    count: 2,
    has: [
      { ...LISTEN, family: "ipv4", localAddress: "0.0.0.0", localPort: 80, pid: 10521 },
      { ...LISTEN, family: "ipv4", localAddress: "0.0.0.0", localPort: 443, pid: 10521 },
    ],
  },
  "darwin/macos-netstat-n-a-p-tcp-datadog.txt": {
    format: "macos-netstat",
    count: 74,
    states: { ESTABLISHED: 62, LISTEN: 9, TIME_WAIT: 2, SYN_SENT: 1 },
    ipv6: 3,
    has: [
      { localAddress: "192.168.135.119", localPort: 49922, remoteAddress: "2.21.181.49", remotePort: 443, state: "ESTABLISHED", pid: null },
      { ...LISTEN, family: "ipv6", localAddress: "::", localPort: 52829 },
      { ...LISTEN, family: "ipv4", localAddress: "127.0.0.1", localPort: 1804 },
      { family: "ipv6", localPort: 1024, remotePort: 1024, state: "SYN_SENT" },
    ],
    notice: /1 row\(s\) fill netstat's address column/,
  },
  "darwin/macos10.14-netstat-An-inet-section.txt": {
    format: "macos-netstat",
    count: 137, // 49 tcp + 88 udp rows; the icm4 row is no socket
    states: { CLOSE_WAIT: 6, udp: 88 },
    has: [
      { localAddress: "127.0.0.1", localPort: 53755, remoteAddress: "127.0.0.1", remotePort: 53763, state: "ESTABLISHED" },
      { proto: "udp", family: "ipv6", localAddress: "::", localPort: 61224, remoteAddress: null },
      { proto: "udp", family: "ipv4", localAddress: "0.0.0.0", localPort: 0, remoteAddress: null },
      { proto: "udp", family: "ipv4", localAddress: "127.0.0.1", localPort: 63995 },
      { localAddress: "127.0.0.1", localPort: 9592, remoteAddress: "127.0.0.1", remotePort: 58704, state: "CLOSE_WAIT" },
    ],
    notice: /fill netstat's address column/,
  },
  "darwin/macos10.14-netstat-vnp-tcp-partial.txt": {
    format: "macos-netstat",
    count: 7,
    states: { ESTABLISHED: 5, CLOSE_WAIT: 2 },
    has: [{ localAddress: "192.168.1.191", localPort: 52040, remoteAddress: "140.82.114.4", remotePort: 443, state: "CLOSE_WAIT", recvQ: 24, pid: 9811 }],
  },
  "darwin/macos26-netstat-anv-p-tcp-trimmed.txt": {
    format: "macos-netstat",
    count: 6,
    has: [
      { localAddress: "10.24.102.43", localPort: 54589, remoteAddress: "160.79.104.10", remotePort: 443, state: "ESTABLISHED", pid: 53171, process: "curl" },
      { ...LISTEN, family: "ipv6", localAddress: "::", localPort: 38123, pid: 54256, process: "Python" },
      { ...LISTEN, family: "ipv4", localAddress: "127.0.0.1", localPort: 60332, pid: 21891, process: "Code Helper (Plu" },
      { ...LISTEN, family: "ipv6", localAddress: "::1", localPort: 8021, pid: 1, process: "launchd" },
    ],
  },
  "freebsd/freebsd-sockstat-4-jail-unbound.txt": {
    format: "freebsd-sockstat",
    count: 2,
    has: [
      { proto: "udp", localAddress: "10.0.0.10", localPort: 53, remoteAddress: null, state: null, pid: 9639, process: "unbound", user: "unbound" },
      { proto: "tcp", localAddress: "10.0.0.10", localPort: 53, remoteAddress: null, state: null, pid: 9639 },
    ],
  },
  "freebsd/freebsd12-netstat-an.txt": {
    format: "freebsd-netstat",
    count: 6,
    states: { ESTABLISHED: 1, LISTEN: 3, udp: 2 },
    has: [
      { localAddress: "192.168.71.163", localPort: 22, remoteAddress: "192.168.71.1", remotePort: 56321, state: "ESTABLISHED" },
      { ...LISTEN, family: "ipv6", localAddress: "::", localPort: 22 },
      { proto: "udp", family: "ipv6", localAddress: "::", localPort: 514 },
    ],
  },
  "freebsd/freebsd12-netstat-AanP.txt": {
    format: "freebsd-netstat",
    count: 6,
    has: [
      { localAddress: "192.168.71.163", localPort: 22, remoteAddress: "192.168.71.1", remotePort: 64330, state: "ESTABLISHED" },
      { ...LISTEN, localAddress: "127.0.0.1", localPort: 25 },
    ],
  },
  "linux/debian-netstat-lnp-progname-spaces.txt": {
    format: "linux-netstat",
    count: 20,
    states: { LISTEN: 14, udp: 6 },
    has: [
      { ...LISTEN, localAddress: "0.0.0.0", localPort: 22, pid: 600, process: "sshd: /usr/sbin" },
      { ...LISTEN, family: "ipv6", localAddress: "::", localPort: 22, pid: 600 },
      { proto: "udp", localPort: 9694, pid: 1205 },
      { proto: "udp", localPort: 9694, pid: 1203 },
      { ...LISTEN, localPort: 9000, pid: 1187, process: "pgpool: watchd" },
    ],
  },
  "linux/proc-net-tcp-mips-bigendian-busybox-router.txt": {
    format: "linux-procfs",
    count: 9,
    states: { LISTEN: 8, ESTABLISHED: 1 },
    has: [
      { localAddress: "192.168.1.1", localPort: 23, remoteAddress: "192.168.1.128", remotePort: 32495, state: "ESTABLISHED", sendQ: 59 },
      { ...LISTEN, localAddress: "192.168.1.1", localPort: 1780 },
      { ...LISTEN, localAddress: "0.0.0.0", localPort: 139 },
    ],
  },
  "linux/proc-net-tcp-x86_64-jc.txt": {
    format: "linux-procfs",
    count: 27,
    states: { LISTEN: 4, TIME_WAIT: 15 },
    has: [
      { ...LISTEN, localAddress: "127.0.0.53", localPort: 53, uid: 101 },
      { localAddress: "192.168.42.128", localPort: 54352, remoteAddress: "152.199.4.33", remotePort: 443, state: "CLOSE_WAIT", recvQ: 82 },
      { localAddress: "10.0.0.28", localPort: 22, remoteAddress: "10.0.0.146", remotePort: 56779, state: "ESTABLISHED" },
    ],
  },
  "linux/proc-net-tcp6-x86_64-global-addrs.txt": {
    format: "linux-procfs",
    count: 8,
    has: [
      { ...LISTEN, family: "ipv6", localAddress: "::", localPort: 22 },
      { localAddress: "2601:646:9e01:f100::3a4c", localPort: 59136, remoteAddress: "2a03:2880:f131:83:face:b00c:0:25de", remotePort: 80, state: "TIME_WAIT" },
      { localPort: 32936, remoteAddress: "2001:559:19:c000::17c5:3313", remotePort: 80 },
    ],
  },
  "linux/proc-net-udp-x86_64-blog.txt": {
    format: "linux-procfs",
    count: 5,
    states: { udp: 5 },
    has: [{ proto: "udp", localAddress: "127.0.0.1", localPort: 911, state: null, inode: 7511 }],
  },
  "linux/proc-net-udp6-5digit-sl-partial.txt": {
    format: "linux-procfs",
    count: 6,
    has: [{ proto: "udp", family: "ipv6", localAddress: "::", localPort: 514, inode: 2248513515, uid: 0 }],
  },
  "linux/rhel-ss-tulpen-multi-pid.txt": {
    format: "linux-ss",
    count: 12,
    states: { udp: 6, LISTEN: 6 },
    has: [
      { ...LISTEN, localAddress: "0.0.0.0", localPort: 80, pid: 12532, process: "nginx", inode: 35524 },
      { ...LISTEN, family: "ipv6", localAddress: "::1", localPort: 631, pid: 788 },
      { proto: "udp", localAddress: "0.0.0.0", localPort: 5353, pid: 728, uid: 70 },
    ],
  },
  "linux/ss-Menita-mptcp-info-lines.txt": {
    format: "linux-ss",
    count: 3, // the mptcp row and the tab-indented info lines are no TCP/UDP sockets
    has: [
      { ...LISTEN, localAddress: "0.0.0.0", localPort: 5001 },
      { localAddress: "14.0.0.2", localPort: 5001, remoteAddress: "15.0.0.2", remotePort: 58921, state: "ESTABLISHED" },
    ],
  },
  "linux/ubuntu-netstat-putona-unprivileged.txt": {
    format: "linux-netstat",
    count: 10,
    states: { LISTEN: 7, ESTABLISHED: 1, udp: 2 },
    has: [
      { localAddress: "192.168.200.140", localPort: 22, remoteAddress: "192.168.200.139", remotePort: 46094, state: "ESTABLISHED", pid: null, process: null },
      { ...LISTEN, family: "ipv6", localAddress: "::", localPort: 80, pid: null },
    ],
  },
  "linux/ubuntu1804-ss-tulpen.txt": {
    format: "linux-ss",
    count: 73,
    states: { udp: 15, LISTEN: 58 },
    has: [
      { proto: "udp", localAddress: "127.0.0.53", localPort: 53, pid: 1117, process: "systemd-resolve", uid: 101 },
      { proto: "udp", localAddress: "0.0.0.0", localPort: 67, pid: 2783, process: "dnsmasq" },
      { ...LISTEN, localAddress: "0.0.0.0", localPort: 80, pid: 2079 },
      { proto: "udp", localAddress: "0.0.0.0", localPort: 4789, pid: null, inode: 58296 },
    ],
  },
  "lsof/macos-lsof-nP-iUDP-grep-connected-udp.txt": {
    format: "lsof",
    count: 12,
    states: { udp: 12 },
    has: [
      { proto: "udp", family: "ipv6", localAddress: "::", localPort: 14567, remoteAddress: null, pid: 29372, process: "com.docke" },
      { proto: "udp", family: "ipv6", localAddress: "::1", localPort: 52335, remoteAddress: "::1", remotePort: 14567, pid: 50496 },
      { proto: "udp", localPort: 64686, pid: 51015 },
    ],
  },
  "lsof/macos-lsof-nP-tcp-established-kame-scope.txt": {
    format: "lsof",
    count: 4,
    states: { ESTABLISHED: 4 },
    has: [
      { localAddress: "192.168.1.95", localPort: 65445, remoteAddress: "104.109.251.234", remotePort: 80, pid: 47756, process: "AvidLink" },
      { family: "ipv6", localAddress: "fe80::8ab:c8a5:2cbf:5005%11", localPort: 53442, remoteAddress: "fe80::1488:95ef:9ff3:ef56%11", remotePort: 52664, pid: 47492 },
    ],
  },
  "lsof/macos26-lsof-F-pcLPn-listen.txt": {
    format: "lsof-fields",
    count: 7,
    has: [
      { ...LISTEN, family: "ipv6", localAddress: "::", localPort: 38123, pid: 54256, process: "Python" },
      { family: "ipv4", localAddress: "127.0.0.1", localPort: 9050, pid: 5043, process: "tor" },
      { family: "ipv6", localAddress: "::1", localPort: 60332, pid: 21891, process: "Code Helper (Plugin)" },
    ],
  },
  "lsof/ubuntu1804-lsof-sudo-network-lines.txt": {
    format: "lsof",
    count: 7, // 16 rows: 8 thread repeats of one socket and one socket shared by two sshd processes
    has: [
      { proto: "udp", localAddress: "127.0.0.1", localPort: 53, pid: 885 },
      { ...LISTEN, localAddress: "127.0.0.1", localPort: 42351, pid: 1112 },
      { ...LISTEN, family: "ipv6", localAddress: "::", localPort: 22, pid: 1127 },
      { localPort: 22, remoteAddress: "192.168.71.1", remotePort: 65159, state: "ESTABLISHED", pid: 16944 },
    ],
    notice: /show host or service names/,
  },
};

const files = present
  ? ["darwin", "freebsd", "linux", "lsof"].flatMap((dir) =>
      existsSync(join(REAL, dir)) ? readdirSync(join(REAL, dir)).filter((f) => f.endsWith(".txt")).map((f) => `${dir}/${f}`) : [],
    )
  : [];

describe.skipIf(!present)(`conformance: real captures in ../shared/fixtures-real${present ? "" : " (SKIPPED: directory absent)"}`, () => {
  for (const file of files) {
    it(file, () => {
      const run = runTcpstat(["--input", join(REAL, file), "-tu", "--json", "--verbose"]);
      expect(run.status, run.stderr).toBe(0);
      const records = JSON.parse(run.stdout) as SocketRecord[];
      for (const r of records) SocketRecordSchema.parse(r);
      expect(run.stderr).not.toMatch(/unreadable line/);
      const want = EXPECT[file];
      if (!want) {
        // A capture added after these expectations were written: it must still replay cleanly.
        expect(records.length).toBeGreaterThan(0);
        return;
      }
      expect(run.stderr).toContain(`input format: ${want.format} (detected)`);
      expect(records).toHaveLength(want.count);
      for (const partial of want.has ?? []) expect(records).toContainEqual(expect.objectContaining(partial));
      for (const [state, n] of Object.entries(want.states ?? {}))
        expect(records.filter((r) => (state === "udp" ? r.proto === "udp" : r.state === state)), state).toHaveLength(n);
      if (want.ipv6 !== undefined) expect(records.filter((r) => r.family === "ipv6")).toHaveLength(want.ipv6);
      if (want.notice) expect(run.stderr).toMatch(want.notice);
      // UDP never carries a state; a TIME_WAIT socket has no owner.
      for (const r of records) {
        if (r.proto === "udp") expect(r.state).toBeNull();
        if (r.state === "TIME_WAIT") expect(r.pid).toBeNull();
      }
    });
  }
});
