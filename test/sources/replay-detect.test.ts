import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { replayCapture, sniff } from "../../src/sources/replay.js";

/**
 * Detection ranks the formats by how many rows each reads from the capture's head: what is
 * pasted around the rows (a prompt, a banner, a notice, a route table, a UNIX socket section)
 * reads as no row in any format and never decides.
 */

const fixture = (path: string) => readFileSync(fileURLToPath(new URL(`../../fixtures/${path}`, import.meta.url)), "utf8");

// `netstat -rn` as Linux net-tools and macOS print it: a table of routes, no sockets.
const LINUX_ROUTES = `Kernel IP routing table
Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface
0.0.0.0         192.168.1.1     0.0.0.0         UG        0 0          0 eth0
192.168.1.0     0.0.0.0         255.255.255.0   U         0 0          0 eth0
`;
const MACOS_ROUTES = `Routing tables

Internet:
Destination        Gateway            Flags           Netif Expire
default            192.168.1.1        UGScg             en0       
127                127.0.0.1          UCS               lo0       
192.168.1.5/32     link#11            UCS               en0      !

Internet6:
Destination                             Gateway                                 Flags               Netif Expire
::1                                     ::1                                     UHL                   lo0       
`;
const LINUX_UNIX = `Active UNIX domain sockets (servers and established)
Proto RefCnt Flags       Type       State         I-Node   PID/Program name     Path
unix  2      [ ACC ]     STREAM     LISTENING     18712    1/systemd            /run/systemd/private
unix  3      [ ]         STREAM     CONNECTED     21034    612/dbus-daemon      /run/dbus/system_bus_socket
`;
const BANNER = `Last login: Sat Dec  5 09:12:44 2026 from 192.168.1.20
Welcome to Ubuntu 22.04.4 LTS (GNU/Linux 5.15.0-105-generic x86_64)
 * Documentation:  https://help.ubuntu.com
`;

describe("detection by rows read", () => {
  it("reads Linux netstat after a route table, a banner and a UNIX socket section", () => {
    const rows = fixture("linux-netstat/debian-12/netstat-tuanp.txt");
    const text = `${BANNER}root@web1:~# netstat -rn\n${LINUX_ROUTES}root@web1:~# netstat -xtuanp\n${LINUX_UNIX}${rows}root@web1:~# \n`;
    const r = replayCapture(text, { source: "t" });
    expect(r.format).toBe("linux-netstat");
    expect(r.records).toEqual(replayCapture(rows, { source: "t" }).records);
  });

  it("reads macOS netstat after its route table, not the routes", () => {
    const rows = fixture("macos-netstat/sequoia-15/netstat-anv-p-tcp.txt");
    const r = replayCapture(`bash-3.2$ netstat -rn\n${MACOS_ROUTES}bash-3.2$ netstat -anv -p tcp\n${rows}`, { source: "t" });
    expect(r.format).toBe("macos-netstat");
    expect(r.records).toEqual(JSON.parse(fixture("macos-netstat/sequoia-15/netstat-anv-p-tcp.json")));
  });

  it("goes by the rows, not by a first line that names another tool", () => {
    // A header of one tool over rows of another (a paste of two commands, the first with no output).
    const ss = fixture("linux-ss/debian-12/ss-H-tln.txt");
    const text = `Proto Recv-Q Send-Q Local Address           Foreign Address         State\n${ss}`;
    expect(sniff(text)?.name).toBe("linux-ss");
    expect(replayCapture(text, { source: "t" }).records).toHaveLength(6);
  });

  it("keeps a header-only capture its format, with no sockets", () => {
    const r = replayCapture("State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n", { source: "t" });
    expect(r.format).toBe("linux-ss");
    expect(r.records).toEqual([]);
  });

  it("finds rows below a long table of something else, and reads every row after its head", () => {
    const row = "tcp   ESTAB  0      0      10.0.0.1:22   10.0.0.2:50000\n";
    const routes = "192.168.1.0     0.0.0.0         255.255.255.0   U         0 0          0 eth0\n".repeat(300);
    expect(replayCapture(routes + row.repeat(3), { source: "t" }).records).toHaveLength(3);
    // Detection reads a bounded head (200 lines); the chosen parser reads the whole capture.
    expect(replayCapture(row.repeat(5000), { source: "t" }).records).toHaveLength(5000);
  });
});
