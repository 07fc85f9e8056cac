import { describe, expect, it } from "vitest";
import { formatEndpoint, formatIpv4, formatIpv6, isUnspecified } from "../../src/lib/endpoint.js";

/** Bytes of an IPv6 address from its eight 16-bit groups, written out by hand. */
const v6 = (...groups: number[]) => groups.flatMap((g) => [g >> 8, g & 0xff]);

describe("formatIpv6 follows RFC 5952", () => {
  it.each([
    // section 4.2.1: the longest run of zero groups becomes "::"
    [v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), "2001:db8::1"],
    // 4.2.2: a single zero group is not shortened
    [v6(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1), "2001:db8:0:1:1:1:1:1"],
    // 4.2.3: of two equal runs the first is shortened
    [v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1), "2001:db8::1:0:0:1"],
    // 4.2.3: the longer run wins even when it comes second
    [v6(0x2001, 0, 0, 1, 0, 0, 0, 1), "2001:0:0:1::1"],
    // 4.1: no leading zeros; 4.3: lower case
    [v6(0x2001, 0x0db8, 0x00aa, 0x0bcd, 0xabcd, 0xef01, 0x0002, 0x00ff), "2001:db8:aa:bcd:abcd:ef01:2:ff"],
    [v6(0, 0, 0, 0, 0, 0, 0, 0), "::"],
    [v6(0, 0, 0, 0, 0, 0, 0, 1), "::1"],
    [v6(1, 0, 0, 0, 0, 0, 0, 0), "1::"],
    [v6(0xfe80, 0, 0, 0, 0x211, 0xaaff, 0xfebb, 0xccdd), "fe80::211:aaff:febb:ccdd"],
    [v6(0xff02, 0, 0, 0, 0, 0, 0, 0xfb), "ff02::fb"],
    [v6(1, 2, 3, 4, 5, 6, 7, 8), "1:2:3:4:5:6:7:8"],
    [v6(0, 1, 2, 3, 4, 5, 6, 0), "0:1:2:3:4:5:6:0"],
    // 5: IPv4-mapped addresses keep the dotted quad
    [v6(0, 0, 0, 0, 0, 0xffff, 0x7f00, 0x0001), "::ffff:127.0.0.1"],
    [v6(0, 0, 0, 0, 0, 0xffff, 0xc0a8, 0x0a05), "::ffff:192.168.10.5"],
    [v6(0, 0, 0, 0, 0, 0xffff, 0, 0), "::ffff:0.0.0.0"],
    // not mapped: only ::ffff:0:0/96 is written with a dotted quad here
    [v6(0, 0, 0, 0, 0xffff, 0xffff, 0x7f00, 1), "::ffff:ffff:7f00:1"],
    [v6(0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x0201), "64:ff9b::c000:201"],
  ])("%j -> %s", (bytes, text) => {
    expect(formatIpv6(bytes)).toBe(text);
  });
});

describe("formatIpv4", () => {
  it("writes a dotted quad from four bytes at an offset", () => {
    expect(formatIpv4([127, 0, 0, 1])).toBe("127.0.0.1");
    expect(formatIpv4([9, 9, 255, 0, 10, 1], 2)).toBe("255.0.10.1");
  });
});

describe("formatEndpoint, as ss prints endpoints", () => {
  it("brackets IPv6 and stars a missing port", () => {
    expect(formatEndpoint("127.0.0.1", 8080, "ipv4")).toBe("127.0.0.1:8080");
    expect(formatEndpoint("::1", 443, "ipv6")).toBe("[::1]:443");
    expect(formatEndpoint("::ffff:127.0.0.1", 9000, "ipv6")).toBe("[::ffff:127.0.0.1]:9000");
    expect(formatEndpoint(null, null, "ipv4")).toBe("0.0.0.0:*");
    expect(formatEndpoint(null, null, "ipv6")).toBe("[::]:*");
  });

  it("knows the two wildcard addresses", () => {
    expect([isUnspecified("0.0.0.0"), isUnspecified("::"), isUnspecified("::1"), isUnspecified("127.0.0.1")]).toEqual([true, true, false, false]);
  });
});
