import { describe, expect, it } from "vitest";
import { parseSolarisNetstat } from "../../../src/sources/solaris-netstat/parse-netstat-an.js";

const TCP6 = [
  "TCP: IPv6",
  "   Local Address                     Remote Address                 Swind Send-Q Rwind Recv-Q   State      If",
  "--------------------------------- --------------------------------- ----- ------ ----- ------ ----------- -----",
];

describe("parseSolarisNetstat", () => {
  it("reads an IPv4-mapped local address in the IPv6 section, and the If column after the state", () => {
    const { records, problems } = parseSolarisNetstat(
      [...TCP6, "::ffff:127.0.0.1.8080                   *.*                             0      0 128000      0 LISTEN", "2001:db8::5.22   2001:db8::99.50122   64800   0 128520   3 ESTABLISHED net0"].join("\n"),
    );
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.family, r.localAddress, r.localPort, r.remoteAddress, r.state, r.recvQ])).toEqual([
      ["ipv6", "::ffff:127.0.0.1", 8080, null, "LISTEN", 0],
      ["ipv6", "2001:db8::5", 22, "2001:db8::99", "ESTABLISHED", 3],
    ]);
  });

  it("old bare TCP/UDP headings leave the family to the address", () => {
    const text = ["TCP", "   Local Address        Remote Address    Swind Send-Q Rwind Recv-Q  State", "192.168.0.60.22      192.168.0.127.1063   16445      0 24820      0 ESTABLISHED", "UDP", "      *.111                               Idle"].join("\n");
    const { records, problems } = parseSolarisNetstat(text);
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.proto, r.family, r.localAddress, r.localPort])).toEqual([
      ["tcp", "ipv4", "192.168.0.60", 22],
      ["udp", "ipv4", "0.0.0.0", 111],
    ]);
  });

  it("a row in a socket section that cannot be read is a problem on its line; an unknown state too", () => {
    const { records, problems } = parseSolarisNetstat([...TCP6, "*.22   *.*   0 0 128000 0 WOBBLY", "*.23   *.*   x 0 128000 0 LISTEN"].join("\n"));
    expect(records).toEqual([]);
    expect(problems.map((p) => [p.line, p.reason])).toEqual([
      [4, "no TCP state word"],
      [5, "expected Swind Send-Q Rwind Recv-Q before the state"],
    ]);
  });
});
