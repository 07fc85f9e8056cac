import { isIPv4, isIPv6 } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatEndpoint, formatIpv4, formatIpv6, isUnspecified } from "../../src/lib/endpoint.js";
import { addressText, ipv6Bytes } from "./address-oracle.js";
import { runs } from "./harness.js";

// Groups biased towards zero so that runs of zeros, ties and edges come up often.
const group = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }) }, fc.constantFrom(1, 0xffff));
const v6 = fc.oneof(
  fc.array(group, { minLength: 8, maxLength: 8 }).map((gs) => gs.flatMap((g) => [g >> 8, g & 0xff])),
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 }),
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }).map((t) => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...t]),
);
const v4 = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 });

describe("address text properties", () => {
  it("IPv6 text is RFC 5952 (checked against the URL serializer) and reads back to the same bytes", () => {
    fc.assert(
      fc.property(v6, (bytes) => {
        const text = formatIpv6(bytes);
        expect(text).toBe(addressText(bytes));
        expect(isIPv6(text)).toBe(true);
        expect(ipv6Bytes(text)).toEqual(bytes);
        expect(text).toBe(text.toLowerCase());
        expect(text).not.toMatch(/(^|:)0[0-9a-f]/); // no leading zeros
        expect(text.split("::").length).toBeLessThanOrEqual(2);
      }),
      runs(5000),
    );
  });

  it("IPv6 text works from any offset of a typed array, as parsers pass it", () => {
    fc.assert(
      fc.property(v6, (bytes) => {
        expect(formatIpv6(Uint8Array.from(bytes))).toBe(addressText(bytes));
      }),
      runs(1000),
    );
  });

  it("IPv4 text is dotted decimal, from any offset", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 8 }), v4, (pad, bytes) => {
        const text = formatIpv4([...pad, ...bytes], pad.length);
        expect(isIPv4(text)).toBe(true);
        expect(text.split(".").map(Number)).toEqual(bytes);
      }),
      runs(2000),
    );
  });

  it("endpoints are host:port, IPv6 in brackets, '*' for no port; only the wildcards are unspecified", () => {
    fc.assert(
      fc.property(fc.oneof(v4, v6), fc.option(fc.integer({ min: 0, max: 65535 })), fc.boolean(), (bytes, port, peerless) => {
        const family = bytes.length === 4 ? "ipv4" : "ipv6";
        const address = peerless ? null : addressText(bytes);
        const text = formatEndpoint(address, port, family);
        const host = address ?? (family === "ipv4" ? "0.0.0.0" : "::");
        expect(text).toBe(family === "ipv4" ? `${host}:${port ?? "*"}` : `[${host}]:${port ?? "*"}`);
        expect(isUnspecified(host)).toBe(bytes.every((b) => b === 0) || peerless);
      }),
      runs(2000),
    );
  });
});
