import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseLsofColumns } from "../../../src/sources/lsof/parse-lsof-columns.js";
import { isLsofRow, replayCapture } from "../../../src/sources/replay.js";
import { runs } from "../../property/harness.js";

/**
 * lsof detection and parsing are linear in a line's length (issue 22, item 7): the detection
 * regex they replace took 19.5 s on one 256 KB line. Lines of 256 KB made of one token
 * repeated (the shapes that make a backtracking regex try every split) must each be detected
 * and parsed well within the test's time limit; a quadratic pass over these takes minutes.
 * Row detection by tokens also agrees with the old regex on ordinary lines.
 */
const OLD = /^\S.*?\s\d+\s.*\s(IPv4|IPv6)\s+\S+\s+\S+\s+(TCP|UDP)\s/;
const TOKENS = ["a ", " ", "1 ", "12 ", "IPv4 ", "TCP ", "\t", "a 1 IPv4 x y TCP ", "1 IPv6 ", "(LISTEN) ", "x"];
const LINE = 256 * 1024;

describe("lsof detection and parsing of long lines", () => {
  it("take one pass over 256 KB lines of repeated tokens", { timeout: 20_000 }, () => {
    fc.assert(
      fc.property(fc.constantFrom(...TOKENS), fc.constantFrom("", "sshd ", "x 1 "), (unit, head) => {
        const line = head + unit.repeat(Math.ceil(LINE / unit.length));
        isLsofRow(line);
        parseLsofColumns(`${line}\n`);
        const replayed = replayCapture(`COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME\n${line}\n`, { source: "long" });
        expect(replayed.records).toEqual([]);
      }),
      runs(33),
    );
  });

  it("agrees with the regex it replaces on ordinary rows", () => {
    const token = fc.constantFrom("sshd", "812", "root", "3u", "IPv4", "IPv6", "23110", "0t0", "TCP", "UDP", "*:22", "(LISTEN)", "0x1f", "a b");
    fc.assert(
      fc.property(fc.array(token, { maxLength: 14 }), fc.constantFrom(" ", "  ", "\t"), fc.boolean(), (tokens, gap, trailing) => {
        const line = tokens.join(gap) + (trailing ? " " : "");
        // The old regex needed two whitespace characters between the pid and IPv4 when no
        // token came between; rows from lsof always have USER and FD there.
        if (OLD.test(line)) expect(isLsofRow(line)).toBe(true);
      }),
      runs(2000),
    );
    expect(isLsofRow("sshd 812 root 3u IPv4 23110 0t0 TCP *:22 (LISTEN)")).toBe(true);
    expect(isLsofRow("sshd 812 root 3u IPv4 23110 0t0 TCP")).toBe(false);
    expect(isLsofRow(" sshd 812 root 3u IPv4 23110 0t0 TCP *:22")).toBe(false);
  });
});
