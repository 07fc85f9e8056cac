import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeCapture } from "../../src/lib/stream-input.js";
import { replayCapture, type ReplayResult } from "../../src/sources/replay.js";
import { runs } from "./harness.js";

/**
 * Every capture in fixtures/ pasted the ways people paste it: indented (a markdown code block,
 * tabs, quoted mail), inside a code fence, after a shell prompt with its command and before a
 * bare prompt, followed by the notices tools print, with CRLF line ends, without its final
 * newline. None of that changes what tcpstat reads: the same format, the same records, the
 * same number of unreadable lines.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

/** A fixture is a capture when it replays as it is: .txt captures, OEM-encoded .bin ones, /proc dumps, PowerShell JSON. */
function replayable(path: string): { rel: string; text: string; base: ReplayResult } | undefined {
  if (!/\.txt$|\.bin$|\/(tcp|tcp6|udp|udp6)$|get-net-connections\.json$/.test(path) || /tasklist/.test(path)) return undefined;
  const text = decodeCapture(readFileSync(path));
  try {
    const base = replayCapture(text, { source: "x" });
    return base.records.length > 0 ? { rel: relative(ROOT, path), text, base } : undefined;
  } catch {
    return undefined;
  }
}

const CAPTURES = [...files(join(ROOT, "fixtures"))].map(replayable).filter((c) => c !== undefined);

const COMMANDS = ["netstat -an", "sudo netstat -tulpen", "ss -tan", "ss -tunap | grep LISTEN", "lsof -nP -i", "cat /proc/net/tcp", "sockstat -46", "netstat -anv -p tcp", "Get-NetTCPConnection | ConvertTo-Json", "netstat -ano"];
const PROMPTS = ["$ ", "# ", "% ", "root@web1:~# ", "[ann@c7 ~]$ ", "bash-3.2$ ", "MacBook-Pro:~ ann$ ", "PS C:\\> ", "C:\\Users\\ann>", "shell@android:/ $ ", "❯ "];
const BARE = ["$", "$ ", "#", "root@web1:~# ", "[ann@c7 ~]$", "PS C:\\>", "C:\\Users\\ann>", "%"];
const NOTICES = [
  ["(Not all processes could be identified, non-owned process info", " will not be shown, you would have to be root to see it all.)"],
  ["lsof: WARNING: can't stat() fuse.gvfsd-fuse file system /run/user/1000/gvfs", "      Output information may be incomplete."],
  ["..."],
  ["(output truncated)"],
  ["[sudo] password for ann: "],
  ['(No info could be read for "-p": geteuid()=1000 but you should be root.)'],
];
const INDENTS = ["", "    ", "  ", "\t", "> ", ">", "\t\t"];

interface Paste {
  indent: string;
  /** The prompts are indented too (a code block holding the whole session), or stay at column 0. */
  indentPrompts: boolean;
  before: string | null;
  after: string | null;
  notices: string[][];
  fence: boolean;
  eol: "\n" | "\r\n";
  finalNewline: boolean;
}

const paste: fc.Arbitrary<Paste> = fc.record({
  indent: fc.constantFrom(...INDENTS),
  indentPrompts: fc.boolean(),
  before: fc.option(fc.tuple(fc.constantFrom(...PROMPTS), fc.constantFrom(...COMMANDS)).map(([p, c]) => p + c), { nil: null }),
  after: fc.option(fc.constantFrom(...BARE), { nil: null }),
  notices: fc.subarray(NOTICES, { maxLength: 2 }),
  fence: fc.boolean(),
  eol: fc.constantFrom("\n" as const, "\r\n" as const),
  finalNewline: fc.boolean(),
});

function pasted(text: string, p: Paste): string {
  const quote = p.indent.startsWith(">");
  const rows = text.replace(/\r?\n$/, "").split(/\r?\n/);
  const own = (l: string) => (l === "" && !quote ? "" : p.indent + l);
  const around = (l: string) => (p.indentPrompts || quote ? p.indent + l : l);
  const lines = [
    ...(p.fence ? [around("```console")] : []),
    ...(p.before !== null ? [around(p.before)] : []),
    ...rows.map(own),
    ...p.notices.flat().map(own),
    ...(p.after !== null ? [around(p.after)] : []),
    ...(p.fence ? [around("```")] : []),
  ];
  return lines.join(p.eol) + (p.finalNewline ? p.eol : "");
}

describe("pasted captures replay as the captures themselves", () => {
  it("finds the captures", () => {
    expect(CAPTURES.length).toBeGreaterThan(40);
  });

  for (const { rel, text, base } of CAPTURES) {
    it(rel, () => {
      fc.assert(
        fc.property(paste, (p) => {
          const r = replayCapture(pasted(text, p), { source: "x" });
          expect(r.format).toBe(base.format);
          expect(r.records).toEqual(base.records);
          expect(r.problems.length).toBe(base.problems.length);
        }),
        runs(12),
      );
    });
  }
});
