import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseSnmp } from "../../../src/sources/linux-procfs/parse-snmp.js";

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/linux-snmp/linux-6.18/${name}`, import.meta.url), "latin1");

describe("parseSnmp", () => {
  it("reads a real /proc/net/snmp + netstat capture into nstat-named counters", () => {
    const expected = JSON.parse(fixture("counters.json")) as { total: number; counters: Record<string, number> };
    const { counters, problems } = parseSnmp(fixture("snmp.txt"), fixture("netstat.txt"));
    expect(problems).toEqual([]);
    expect(Object.keys(counters)).toHaveLength(expected.total);
    for (const [name, value] of Object.entries(expected.counters)) expect(counters[name], name).toBe(value);
  });

  it("counts a malformed line as a problem and keeps the rest", () => {
    const snmp = [
      "Tcp: ActiveOpens PassiveOpens",
      "Tcp: 7 3",
      "Udp: InDatagrams NoPorts",
      "Udp: 5", // one value short
      "garbage without a colon",
      "Ip: 1 2", // values with no header
    ].join("\n");
    const { counters, problems } = parseSnmp(snmp, "TcpExt: ListenOverflows\r\nTcpExt: 12\r\n");
    expect(counters).toEqual({ TcpActiveOpens: 7, TcpPassiveOpens: 3, TcpExtListenOverflows: 12 });
    expect(problems.map((p) => [p.source, p.line])).toEqual([
      ["/proc/net/snmp", 4],
      ["/proc/net/snmp", 5],
      ["/proc/net/snmp", 6],
    ]);
    expect(problems[0]!.reason).toBe("2 counter names but 1 values");
  });

  it("reports a header left without its value line", () => {
    const { counters, problems } = parseSnmp("Tcp: ActiveOpens\n", "");
    expect(counters).toEqual({});
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(1);
  });
});
