import { isIPv4, isIPv6 } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TcpstatError } from "../../src/errors.js";
import { formatEndpoint, formatIpv4, formatIpv6, isUnspecified } from "../../src/lib/endpoint.js";
import { parsePids, parsePorts, parseStates } from "../../src/lib/filter.js";
import { SocketRecordSchema } from "../../src/model/socket.js";
import { normalizeSiConnection } from "../../src/sources/systeminformation/collect.js";
import { normalizeAddress } from "../../src/sources/text-endpoint.js";
import { addressText, ipv6Bytes } from "./address-oracle.js";
import { anyText, runs } from "./harness.js";

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

describe("address text from tools (normalizeAddress)", () => {
  /** How tools print an address: upper case, leading zeros, no compression, brackets. */
  const spelled = (bytes: number[], upper: boolean, zeros: boolean, brackets: boolean) => {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16).padStart(zeros ? 4 : 1, "0"));
    const text = upper ? groups.join(":").toUpperCase() : groups.join(":");
    return brackets ? `[${text}]` : text;
  };

  it("any spelling of an IPv6 address normalizes to its RFC 5952 text", () => {
    fc.assert(
      fc.property(v6, fc.boolean(), fc.boolean(), fc.boolean(), (bytes, upper, zeros, brackets) => {
        const linkLocalScoped = bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80 && (bytes[2] !== 0 || bytes[3] !== 0);
        fc.pre(!linkLocalScoped); // KAME scope ids (fe80:b::1) are their own case
        expect(normalizeAddress(spelled(bytes, upper, zeros, brackets), "ipv6")).toBe(addressText(bytes));
      }),
      runs(3000),
    );
  });

  it("an IPv4 address on an IPv6 socket becomes IPv4-mapped; on IPv4 it stays as is", () => {
    fc.assert(
      fc.property(v4, (bytes) => {
        const text = bytes.join(".");
        expect(normalizeAddress(text, "ipv4")).toBe(text);
        expect(normalizeAddress(text, "ipv6")).toBe(`::ffff:${text}`);
      }),
      runs(1000),
    );
  });

  it("any text gives an address or null, never an exception", () => {
    fc.assert(
      fc.property(anyText, fc.constantFrom("ipv4" as const, "ipv6" as const), (text, family) => {
        const out = normalizeAddress(text, family);
        if (out !== null) expect(isIPv4(out) || isIPv6(out.replace(/%.*$/, ""))).toBe(true);
      }),
      runs(3000),
    );
  });
});

describe("systeminformation rows", () => {
  // systeminformation builds its rows from other commands' text: strings, maybe empty or missing.
  const field = fc.oneof(anyText, fc.constant(""), fc.constant(undefined), fc.constantFrom("tcp", "udp6", "LISTEN", "*", "0.0.0.0", "::1", "443", "99999999999999999999"));
  it("any row gives a valid record or a reason, never an exception", () => {
    fc.assert(
      fc.property(
        fc.record({
          protocol: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("tcp", "tcp6", "udp", "udp4") }, field),
          localAddress: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("127.0.0.1", "::", "*", "fe80::1%eth0") }, field),
          localPort: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 70000 }).map(String) }, field),
          peerAddress: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("10.0.0.1", "::1", "*", "0.0.0.0") }, field),
          peerPort: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("443", "*", "0") }, field),
          state: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("LISTEN", "ESTABLISHED", "TIME_WAIT", "close_wait") }, field),
          pid: fc.oneof(field, fc.integer(), fc.double(), fc.constant(2 ** 60)),
          process: field,
        }),
        (row) => {
          const out = normalizeSiConnection(row as never);
          if (typeof out === "string") expect(out.length).toBeGreaterThan(0);
          else expect(SocketRecordSchema.safeParse(out).success).toBe(true);
        },
      ),
      runs(3000),
    );
  });
});

describe("selection values typed by users", () => {
  it("--port, --state and --pid accept or refuse with a usage error, never anything else", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyText, fc.stringMatching(/^[0-9,-]{1,12}$/)), { minLength: 1, maxLength: 3 }), (values) => {
        for (const parse of [() => parsePorts(values), () => parseStates(values), () => parsePids(values)]) {
          try {
            parse();
          } catch (error) {
            expect(error).toBeInstanceOf(TcpstatError);
            expect((error as TcpstatError).exitCode).toBe(2);
          }
        }
      }),
      runs(2000),
    );
  });
});
