import { describe, expect, it } from "vitest";
import { parseLsofColumns } from "../../../src/sources/lsof/parse-lsof-columns.js";
import { parseLsofFields } from "../../../src/sources/lsof/parse-lsof-fields.js";

describe("parseLsofFields", () => {
  it("reads any field set, one record per TCP/UDP file, state and queues from T fields", () => {
    const text = ["p967", "crapportd", "u501", "f10", "tIPv6", "PTCP", "n*:56966", "TST=LISTEN", "f11", "tIPv4", "PUDP", "n*:*", "f12", "tREG", "n/var/log/syslog", "p21891", "cCode Helper (Plugin)", "f40", "PTCP", "n[::1]:60332"].join("\n");
    const { records, problems } = parseLsofFields(text);
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.proto, r.family, r.localAddress, r.localPort, r.state, r.pid, r.process, r.uid])).toEqual([
      ["tcp", "ipv6", "::", 56966, "LISTEN", 967, "rapportd", 501],
      ["udp", "ipv4", "0.0.0.0", 0, null, 967, "rapportd", 501],
      // no t field: the brackets prove IPv6; no TST: state unknown
      ["tcp", "ipv6", "::1", 60332, null, 21891, "Code Helper (Plugin)", null],
    ]);
  });

  it("reads -F0 (NUL-terminated fields) and one socket on two fds once", () => {
    const text = "p5\0cnginx\0\nf6\0tIPv4\0PTCP\0d0xabc\0n*:80\0TST=LISTEN\0\nf7\0tIPv4\0PTCP\0d0xabc\0n*:80\0TST=LISTEN\0\n";
    const { records } = parseLsofFields(text);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ localAddress: "0.0.0.0", localPort: 80, pid: 5, process: "nginx", state: "LISTEN" });
  });
});

describe("parseLsofColumns", () => {
  it("anchors on TYPE and NODE: TID column, thread repeats, shared sockets, names", () => {
    const text = `COMMAND     PID   TID             USER   FD      TYPE             DEVICE SIZE/OFF       NODE NAME
container  1112                   root    7u     IPv4              30727      0t0        TCP localhost:42351 (LISTEN)
container  1112  1303             root    7u     IPv4              30727      0t0        TCP localhost:42351 (LISTEN)
sshd      16944                   root    3u     IPv4             207375      0t0        TCP 10.0.0.5:ssh->192.168.71.1:65159 (ESTABLISHED)
sshd      17058                kbrazil    3u     IPv4             207375      0t0        TCP 10.0.0.5:ssh->192.168.71.1:65159 (ESTABLISHED)
web\\x20se 19584 root   22u  IPv6 394486      0t0  UDP [::1]:36329->[::1]:9999 
`;
    const { records, problems, notices } = parseLsofColumns(text);
    expect(problems).toEqual([]);
    expect(records.map((r) => `${r.proto} ${r.localAddress}:${r.localPort} ${r.remoteAddress}:${r.remotePort} ${r.state} ${r.pid} ${r.process}`)).toEqual([
      "tcp 127.0.0.1:42351 null:null LISTEN 1112 container",
      "tcp 10.0.0.5:22 192.168.71.1:65159 ESTABLISHED 16944 sshd",
      "udp ::1:36329 ::1:9999 null 19584 web se",
    ]);
    expect(notices).toHaveLength(1);
  });

  it("reads rows without a header (grep) and counts a broken socket row", () => {
    const text = `AvidLink  47756 aditagrawal   49u  IPv4  0xe0400ce4f276ad1      0t0  TCP 192.168.1.95:65445->104.109.251.234:80 (ESTABLISHED)
rapportd  47492 aditagrawal   18u  IPv6 0xe1a4174fbc096fde      0t0  TCP [fe80:b::8ab:c8a5:2cbf:5005]:53442->[fe80:b::1488:95ef:9ff3:ef56]:52664 (ESTABLISHED)
broken    47492 aditagrawal   19u  IPv6 0xe1a4174fbc096fdf      0t0  TCP [fe80::1]:notaport (LISTEN)
`;
    const { records, problems } = parseLsofColumns(text, { source: "x" });
    expect(records[1]).toMatchObject({ family: "ipv6", localAddress: "fe80::8ab:c8a5:2cbf:5005%11", remoteAddress: "fe80::1488:95ef:9ff3:ef56%11", remotePort: 52664 });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ source: "x", line: 3, reason: "unreadable local port 'notaport'" });
  });
});
