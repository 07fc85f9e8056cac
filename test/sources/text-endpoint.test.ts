import { describe, expect, it } from "vitest";
import { normalizeAddress, readEndpoints, splitColon, splitDotted } from "../../src/sources/text-endpoint.js";

describe("endpoint text", () => {
  it("splits BSD addr.port and colon forms", () => {
    expect(splitDotted("192.168.1.5.443")).toEqual({ host: "192.168.1.5", port: "443" });
    expect(splitDotted("fe80::1%lo0.631")).toEqual({ host: "fe80::1%lo0", port: "631" });
    expect(splitDotted("*.*")).toEqual({ host: "*", port: "*" });
    expect(splitColon(":::22")).toEqual({ host: "::", port: "22" });
    expect(splitColon("[::1]:52335")).toEqual({ host: "::1", port: "52335" });
    expect(splitColon("[fe80::1]%eth0:123")).toEqual({ host: "fe80::1%eth0", port: "123" });
    expect(splitColon("127.0.0.53%lo:53")).toEqual({ host: "127.0.0.53%lo", port: "53" });
    expect(splitColon("0.0.0.0:*")).toEqual({ host: "0.0.0.0", port: "*" });
  });

  it("normalizes addresses to RFC 5952 text", () => {
    expect(normalizeAddress("2001:0DB8:0000:0000:0000:0000:0000:0001", "ipv6")).toBe("2001:db8::1");
    expect(normalizeAddress("*", "ipv6")).toBe("::");
    expect(normalizeAddress("*", "ipv4")).toBe("0.0.0.0");
    // IPv4 text on an IPv6 socket is IPv4-mapped.
    expect(normalizeAddress("127.0.0.1", "ipv6")).toBe("::ffff:127.0.0.1");
    expect(normalizeAddress("::FFFF:10.0.0.1", "ipv6")).toBe("::ffff:10.0.0.1");
    // zone kept for link-local; ss's IPv4 device binding dropped
    expect(normalizeAddress("fe80::1%lo0", "ipv6")).toBe("fe80::1%lo0");
    expect(normalizeAddress("127.0.0.53%lo", "ipv4")).toBe("127.0.0.53");
    // macOS KAME scope: interface 0xb embedded in the second group
    expect(normalizeAddress("fe80:b::8ab:c8a5:2cbf:5005", "ipv6")).toBe("fe80::8ab:c8a5:2cbf:5005%11");
    // cut off by netstat: not an address
    expect(normalizeAddress("fe80::87e6:73b7:", "ipv6")).toBeNull();
  });

  it("treats every wildcard spelling of the peer as no peer", () => {
    for (const [host, port] of [["*", "*"], ["0.0.0.0", "*"], ["0.0.0.0", "0"], ["::", "0"], ["::", "*"]]) {
      const r = readEndpoints({ host: "10.0.0.1", port: "80" }, { host: host!, port: port! }, "ipv4");
      expect(r).toMatchObject({ remoteAddress: null, remotePort: null });
    }
  });
});
