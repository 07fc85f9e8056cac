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

// Holders drawn from a few pids, so that records share them (a process's sockets) while their
// names and --who fields differ from one record to the next: recordJson keeps a holder's text
// by pid (src/format/record-json.ts) and must never give one made for other fields.
// Values from small pools, so that holders of one pid often differ in one field only.
const few = (...values: string[]) => fc.option(fc.constantFrom(...values));
const container = fc
  .record({
    runtime: fc.constantFrom("docker", "lxc"),
    id: fc.constantFrom("4f1c", "web"),
    name: few("web", "db"),
    pod: fc.option(fc.record({ uid: fc.constant("9a1b"), namespace: few("default"), name: few("web-0"), container: few("web") }), { nil: undefined }),
  })
  .map((c) => {
    if (c.pod === undefined) delete (c as Partial<typeof c>).pod;
    return c;
  });
const whoFields = fc.record({
  cmdline: fc.oneof(few("nginx -g daemon off;", 'sh -c "x"\tq'), text),
  ppid: fc.option(fc.constantFrom(0, 1, 812)),
  parent: few("systemd", "bash"),
  startedAt: few("2026-12-07T04:50:57.260Z", "2026-12-07T04:50:57.270Z"),
  unit: few("nginx.service", "session-3.scope"),
  container: fc.option(container),
});
const owner = fc
  .record({
    pid: fc.integer({ min: 1, max: 4 }),
    process: fc.option(fc.constantFrom("nginx", "a\u0085b", 'q"uote')),
    user: fc.option(fc.constantFrom("root", "www-data")),
    fd: fc.option(fc.nat({ max: 9 })),
    who: fc.oneof(fc.constant(undefined), whoFields, whoFields.map(({ unit, container }) => ({ unit, container }))),
  })
  .map(({ who, ...o }) => ({ ...o, ...who }));
const withOwners = fc.tuple(record, fc.array(owner, { maxLength: 4 }), fc.option(fc.constantFrom("public", "loopback"), { nil: undefined })).map(([r, owners, exposure]) => {
  const out: SocketRecord = { ...r };
  if (exposure !== undefined) out.exposure = exposure;
  if (owners.length > 0) out.owners = owners;
  return out;
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

  it("is toJson's text for records with holders, whichever --who fields each holder of a pid has", () => {
    fc.assert(
      fc.property(fc.array(withOwners, { minLength: 1, maxLength: 6 }), (records) => {
        for (const r of records) {
          expect(SocketRecordSchema.safeParse(r).success).toBe(true);
          const json = recordJson(r);
          expect(json).toBe(toJson(r));
          expect(JSON.parse(json)).toEqual(r);
        }
      }),
      runs(1000),
    );
  });

  it("writes each holder's own fields when the same pid comes again with one of them changed", () => {
    const base = { pid: 77, process: "nginx", user: "root", fd: 6, cmdline: "nginx -g x", ppid: 1, parent: "systemd", startedAt: "2026-12-07T04:50:57.260Z", unit: "nginx.service", container: null };
    const changes: Array<Partial<typeof base> | Record<string, unknown>> = [
      {},
      { fd: 7 },
      { process: "nginx2" },
      { user: null },
      { cmdline: "nginx -g y" },
      { ppid: 2 },
      { parent: "init" },
      { startedAt: "2026-12-07T04:50:57.270Z" },
      { unit: null },
      { container: { runtime: "lxc", id: "web", name: "web" } },
      { container: { runtime: "lxc", id: "web", name: "db" } },
    ];
    const r = { proto: "tcp", family: "ipv4", localAddress: "127.0.0.1", localPort: 80, remoteAddress: null, remotePort: null, state: "LISTEN", recvQ: 0, sendQ: 0, pid: 77, process: "nginx", uid: 0, user: "root", inode: 7, timer: null } as const;
    // All fields, the unit and container only, none: each shape through every change, the
    // unchanged holder between two, so that one text follows another that differs in one field.
    const shapes = [
      (o: typeof base) => o,
      ({ cmdline: _c, ppid: _p, parent: _pa, startedAt: _s, ...o }: typeof base) => o,
      ({ cmdline: _c, ppid: _p, parent: _pa, startedAt: _s, unit: _u, container: _co, ...o }: typeof base) => o,
    ];
    for (const shape of shapes)
      for (const change of changes)
        for (const o of [base, { ...base, ...change } as typeof base]) {
          const record = { ...r, owners: [shape(o)] } as SocketRecord;
          expect(recordJson(record)).toBe(toJson(record));
        }
  });

  it("keeps the schema's order for a record whose keys came in another order", () => {
    const r = { state: "LISTEN", proto: "tcp", family: "ipv6", localAddress: "::", localPort: 22, remoteAddress: null, remotePort: null, recvQ: 0, sendQ: 0, pid: 1, process: 'a "quoted"\tname', uid: 0, user: "root", inode: 7, timer: null } as const;
    const json = recordJson(r);
    expect(json.startsWith('{"proto":"tcp","family":"ipv6","localAddress":"::","localPort":22,')).toBe(true);
    expect(json).toContain('"process":"a \\"quoted\\"\\tname"');
    expect(JSON.parse(json)).toEqual(r);
  });
});
