import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ParseResult, Problem } from "../../src/model/socket.js";
import { parseBsdNetstat as parseFreebsdNetstat } from "../../src/sources/macos-netstat/parse-netstat-anv.js";
import { parseSockstat } from "../../src/sources/freebsd/parse-sockstat.js";
import { parseLinuxNetstat } from "../../src/sources/linux-netstat/parse-netstat-tuanp.js";
import { parsePasswd } from "../../src/sources/linux-procfs/parse-passwd.js";
import { parseSnmp } from "../../src/sources/linux-procfs/parse-snmp.js";
import { parseSs } from "../../src/sources/linux-ss/parse-ss.js";
import { parseLsofColumns } from "../../src/sources/lsof/parse-lsof-columns.js";
import { parseLsofFields } from "../../src/sources/lsof/parse-lsof-fields.js";
import { parseBsdNetstat } from "../../src/sources/macos-netstat/parse-netstat-anv.js";
import { replayProcNet } from "../../src/sources/replay-proc-net.js";
import { decodeCapture } from "../../src/lib/stream-input.js";
import { replayCapture } from "../../src/sources/replay.js";
import { parseNetstatAno } from "../../src/sources/windows-netstat/parse-netstat-ano.js";
import { parseTasklist } from "../../src/sources/windows-netstat/parse-tasklist.js";
import { parsePowershell } from "../../src/sources/windows-powershell/parse-powershell.js";
import { anyText, document, expectSound, mutated, runs } from "./harness.js";

/**
 * Every parser under src/sources against random text and against real captures with lines
 * mutated (truncated, columns dropped or added, bad digits, huge numbers, NUL, CR, broken
 * Unicode, another encoding): no parser throws, every record fits the schema, every problem
 * names a line and a reason, and one damaged line never makes the others disappear.
 *
 * Seeds are the repo's own fixtures and, when present, the real captures in
 * ../shared/fixtures-real (read in place, never copied).
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SHARED = join(ROOT, "..", "shared", "fixtures-real");
const sharedPresent = existsSync(SHARED);
if (!sharedPresent) console.warn(`parsers.property: ${SHARED} is absent; seeding from the repo's fixtures only`);

function files(dir: string, match: RegExp): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(path, match));
    else if (match.test(path)) out.push(path);
  }
  return out;
}
const read = (paths: string[]) => paths.map((p) => decodeCapture(readFileSync(p)));

interface Parsed {
  records?: ParseResult["records"];
  problems: Problem[];
}

interface Case {
  name: string;
  parse: (text: string) => Parsed;
  seeds: string[];
  /** A JSON document: problems count entries, not lines, and one broken line breaks the document. */
  document?: boolean;
}

const fixtures = (dir: string, match: RegExp) => read(files(join(ROOT, "fixtures", dir), match));
const shared = (dir: string, match: RegExp) => read(files(join(SHARED, dir), match));

const CASES: Case[] = [
  { name: "parseNetstatAno (Windows)", parse: (t) => parseNetstatAno(t, { source: "x" }), seeds: [...fixtures("windows-netstat", /netstat-ano\.txt$/), ...shared("windows", /netstat/)] },
  { name: "parseTasklist (Windows)", parse: (t) => parseTasklist(t, "x"), seeds: [...fixtures("windows-netstat/tasklist", /\.txt$/), ...shared("windows", /tasklist/)] },
  { name: "parsePowershell (Windows)", parse: (t) => parsePowershell(t, "x"), seeds: fixtures("windows-powershell", /get-net-connections\.json$/), document: true },
  { name: "parseLsofColumns", parse: (t) => parseLsofColumns(t, { source: "x" }), seeds: [...fixtures("lsof", /lsof-nP.*\.txt$/), ...shared("lsof", /lsof-nP|network-lines/)] },
  { name: "parseLsofFields", parse: (t) => parseLsofFields(t, { source: "x" }), seeds: [...fixtures("lsof", /lsof-F.*\.txt$/), ...shared("lsof", /lsof-F/)] },
  { name: "parseLinuxNetstat", parse: (t) => parseLinuxNetstat(t, { source: "x" }), seeds: shared("linux", /netstat/) },
  { name: "parseSs", parse: (t) => parseSs(t, { source: "x" }), seeds: shared("linux", /-ss-/) },
  { name: "parseBsdNetstat (macOS)", parse: (t) => parseBsdNetstat(t, { source: "x" }), seeds: shared("darwin", /netstat/) },
  { name: "parseFreebsdNetstat", parse: (t) => parseFreebsdNetstat(t, { source: "x" }), seeds: shared("freebsd", /netstat/) },
  { name: "parseSockstat (FreeBSD)", parse: (t) => parseSockstat(t, { source: "x" }), seeds: shared("freebsd", /sockstat/) },
  { name: "replayProcNet", parse: (t) => replayProcNet(t, { source: "x" }), seeds: [...fixtures("linux-procfs-bigendian", /\.txt$/), ...shared("linux", /proc-net/)] },
  { name: "parseSnmp", parse: (t) => parseSnmp(t, t, { snmp: "x", netstat: "y" }), seeds: fixtures("linux-snmp", /\.txt$/) },
  { name: "parsePasswd", parse: (t) => (parsePasswd(t), { problems: [] }), seeds: ["root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/:/usr/sbin/nologin\n"] },
  { name: "replayCapture (sniff + any parser)", parse: (t) => replayCaptureOrNothing(t), seeds: [] },
];

/** The sniffer refuses unknown text with an error, by design; anything else must not throw. */
function replayCaptureOrNothing(text: string): Parsed {
  try {
    return replayCapture(text, { source: "x" });
  } catch (error) {
    if ((error as Error).name === "TcpstatError") return { problems: [] };
    throw error;
  }
}

const lines = (text: string) => text.split(/\r?\n/);
const seedLines = (c: Case) => [...new Set(c.seeds.flatMap(lines).filter((l) => l.trim() !== ""))];

describe.each(CASES)("$name", (c) => {
  const pool = seedLines(c);
  const seedLine = pool.length > 0 ? fc.constantFrom(...pool) : fc.string({ maxLength: 80 });

  it("never throws on random or mutated lines, and what it returns is sound", () => {
    fc.assert(
      fc.property(document(fc.oneof(anyText, seedLine, mutated(seedLine))), (text) => {
        const result = c.parse(text);
        expectSound({ records: result.records ?? [], problems: result.problems }, text, c.document ? "entries" : "lines");
      }),
      runs(1500),
    );
  });

  const captures = c.seeds.filter((s) => (c.parse(s).records?.length ?? 0) > 0);
  // The lines of each capture that hold a socket: dropping one loses exactly one record.
  const dataLines = new Map(
    captures.map((capture) => {
      const all = lines(capture);
      const count = c.parse(capture).records?.length ?? 0;
      const rows = all.map((_, i) => i).filter((i) => (c.parse([...all.slice(0, i), ...all.slice(i + 1)].join("\n")).records?.length ?? 0) === count - 1);
      return [capture, rows] as const;
    }),
  );
  const damage = (pickLine: (capture: string) => fc.Arbitrary<number>) =>
    fc.constantFrom(...captures).chain((capture) => {
      const all = lines(capture);
      return pickLine(capture).chain((index) => mutated(fc.constant(all[index]!)).map((damaged) => ({ capture, all, index, damaged })));
    });

  // Parsers without a seed capture holding sockets (tasklist, snmp, passwd, a JSON document)
  // have no such tests: registering them only to skip would look like a hidden failure.
  const withCaptures = captures.length > 0 && !c.document ? it : () => {};
  withCaptures("one damaged socket line of a real capture loses no other socket", () => {
    const rows = (capture: string) => dataLines.get(capture)!;
    fc.assert(
      fc.property(damage((capture) => fc.constantFrom(...rows(capture))), ({ capture, all, index, damaged }) => {
        const before = c.parse(capture);
        const text = [...all.slice(0, index), damaged, ...all.slice(index + 1)].join("\n");
        const after = c.parse(text);
        expectSound({ records: after.records ?? [], problems: after.problems }, text);
        // Each other socket of the capture is still read; the damaged one is read or counted.
        const accounted = (after.records?.length ?? 0) + after.problems.length - before.problems.length;
        expect(accounted, `damaged line ${index + 1}: ${JSON.stringify(damaged)}`).toBeGreaterThanOrEqual((before.records?.length ?? 0) - 1);
      }),
      runs(1000),
    );
  });

  withCaptures("a damaged header or banner never turns a capture into silence", () => {
    fc.assert(
      fc.property(damage((capture) => fc.nat(lines(capture).length - 1)), ({ all, index, damaged }) => {
        const text = [...all.slice(0, index), damaged, ...all.slice(index + 1)].join("\n");
        const after = c.parse(text) as Parsed & { notices?: string[] };
        expectSound({ records: after.records ?? [], problems: after.problems }, text);
        const said = (after.records?.length ?? 0) + after.problems.length + (after.notices?.length ?? 0);
        expect(said, `damaged line ${index + 1}: ${JSON.stringify(damaged)}`).toBeGreaterThan(0);
      }),
      runs(1000),
    );
  });
});
