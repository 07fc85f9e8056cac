import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { recordJson } from "../../src/format/record-json.js";
import { toJson } from "../../src/lib/safe-text.js";
import { SocketRecordSchema, type SocketRecord } from "../../src/model/socket.js";
import { TCP_STATES } from "../../src/model/state.js";
import { HOSTILE_CHARS, runs } from "../property/harness.js";

/**
 * --json and --ndjson write each record through a template (src/format/record-json.ts), not
 * JSON.stringify: for any record, valid by the schema and with its keys in the schema's
 * order, the text must be toJson's (JSON.stringify's, with DEL, C1 controls and bidi
 * overrides as \u escapes: issue 22) to the byte, whatever its names hold (controls, quotes,
 * backslashes, lone surrogates, wide characters), and must parse back to the record.
 */

const text = fc.oneof(
  fc.string({ unit: fc.constantFrom(...HOSTILE_CHARS, "a", "Z", "0", "/", "'", "{", "}") }),
  fc.string({ unit: "binary" }),
  fc.stringMatching(/^[a-z0-9._-]{1,15}$/),
);
const uint = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.maxSafeNat());
const port = fc.integer({ min: 0, max: 65535 });

// Keys in the schema's order, as every source makes them.
const record: fc.Arbitrary<SocketRecord> = fc
  .record({
    proto: fc.constantFrom("tcp", "udp"),
    family: fc.constantFrom("ipv4", "ipv6"),
    localAddress: fc.oneof(fc.ipV4(), fc.ipV6(), text),
    localPort: port,
    remoteAddress: fc.option(fc.oneof(fc.ipV4(), fc.ipV6(), text)),
    remotePort: fc.option(port),
    state: fc.option(fc.constantFrom(...TCP_STATES)),
    recvQ: fc.option(uint),
    sendQ: fc.option(uint),
    pid: fc.option(fc.integer({ min: 1, max: 2 ** 31 - 1 })),
    process: fc.option(text),
    uid: fc.option(uint),
    user: fc.option(text),
    inode: fc.option(uint),
    timer: fc.option(
      fc.record({ kind: fc.constantFrom("retransmit", "keepalive", "timewait", "probe"), expiresInMs: uint, retransmits: fc.nat({ max: 255 }) }),
    ),
    netns: fc.option(fc.record({ inode: fc.integer({ min: 1, max: 2 ** 32 - 1 }), name: fc.option(text) }), { nil: undefined }),
    localHost: fc.option(text, { nil: undefined }),
    remoteHost: fc.option(text, { nil: undefined }),
    localService: fc.option(text, { nil: undefined }),
    remoteService: fc.option(text, { nil: undefined }),
    createdAt: fc.option(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), { nil: undefined }),
  })
  .map((r) => {
    // Optional fields absent, not undefined: a record as the sources make it.
    if (r.netns === undefined) delete (r as Partial<typeof r>).netns;
    if (r.createdAt === undefined) delete (r as Partial<typeof r>).createdAt;
    for (const key of ["localHost", "remoteHost", "localService", "remoteService"] as const) if (r[key] === undefined) delete (r as Partial<typeof r>)[key];
    return r as SocketRecord;
  });

describe("recordJson", () => {
  it("is toJson's text for every valid record, with no raw C1 control or bidi override, and parses back to it", () => {
    fc.assert(
      fc.property(record, (r) => {
        expect(SocketRecordSchema.safeParse(r).success).toBe(true);
        const json = recordJson(r);
        expect(json).toBe(toJson(r));
        expect(json).not.toMatch(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
        expect(JSON.parse(json)).toEqual(r);
      }),
      runs(3000),
    );
  });

  it("keeps the schema's order for a record whose keys came in another order", () => {
    const r = { state: "LISTEN", proto: "tcp", family: "ipv6", localAddress: "::", localPort: 22, remoteAddress: null, remotePort: null, recvQ: 0, sendQ: 0, pid: 1, process: 'a "quoted"\tname', uid: 0, user: "root", inode: 7, timer: null } as const;
    const json = recordJson(r);
    expect(json.startsWith('{"proto":"tcp","family":"ipv6","localAddress":"::","localPort":22,')).toBe(true);
    expect(json).toContain('"process":"a \\"quoted\\"\\tname"');
    expect(JSON.parse(json)).toEqual(r);
  });
});
