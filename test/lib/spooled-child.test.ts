import { once } from "node:events";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execChunks, systemTool } from "../../src/lib/exec.js";
import { openSpool } from "../../src/lib/spool.js";
import { beginChild, handOverEarlyChild } from "../../src/lib/spooled-child.js";

/** What execChunks hands over, joined (each piece copied: it is reused after the call). */
async function chunksOf(cmd: string, args: readonly string[], options?: Parameters<typeof execChunks>[3]): Promise<string> {
  const got: Buffer[] = [];
  await execChunks(cmd, args, (chunk) => got.push(Buffer.from(chunk)), { spool: true, ...options });
  return Buffer.concat(got).toString();
}

const seq = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}\n`).join("");
const sh = systemTool("sh");
const scratch = mkdtempSync(join(tmpdir(), "tcpstat-spool-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The state letter of a process (/proc/PID/stat): Z once it has exited, not yet reaped. */
const stateOf = (pid: number) => readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]![0];

describe("a command's stdout in a spool (src/lib/spool.ts)", () => {
  it("lets the command print all it has while nobody reads: it never waits on a full pipe", () => {
    // 1.9 MB, thirty times what a pipe holds; this thread reads nothing until seq has exited.
    const begun = beginChild(systemTool("seq"), ["1", "300000"], 1 << 20);
    expect(begun.spool).toBeDefined();
    const deadline = Date.now() + 20_000;
    while (stateOf(begun.child.pid!) !== "Z" && Date.now() < deadline);
    expect(stateOf(begun.child.pid!)).toBe("Z");
    const got: Buffer[] = [];
    for (let piece = begun.spool!.take(); piece.length > 0; piece = begun.spool!.take()) got.push(Buffer.from(piece));
    expect(Buffer.concat(got).toString()).toBe(seq(300000));
    begun.spool!.done();
  });

  it("leaves nothing in its directory, and tries the next directory where one refuses it", () => {
    const spool = openSpool(1 << 20, [join(scratch, "no-such-dir"), scratch]);
    expect(spool?.dir).toBe(scratch);
    expect(readdirSync(scratch)).toEqual([]);
    spool!.done();
    expect(openSpool(1 << 20, [join(scratch, "no-such-dir")])).toBeUndefined();
  });

  describe("in a small file system (a tmpfs of 256 KiB)", () => {
    const small = join(scratch, "small");
    beforeAll(() => {
      mkdirSync(small);
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", small]);
    });
    afterAll(() => execFileSync("umount", [small]));

    it("goes elsewhere where there is not room for all the command may print", () => {
      expect(openSpool(1 << 20, [small])).toBeUndefined();
      const spool = openSpool(1 << 20, [small, scratch]);
      expect(spool?.dir).toBe(scratch);
      spool!.done();
    });

    it("says so when the command filled it all the same, as a command that failed", async () => {
      // Room was asked for 1 KiB: seq's 1.9 MB fill the file system, and seq is cut short.
      const early = beginChild(systemTool("seq"), ["1", "300000"], 1024, [small]);
      expect(early.spool?.dir).toBe(small);
      handOverEarlyChild(early);
      await expect(chunksOf("seq", ["1", "300000"])).rejects.toThrow(`'seq 1 300000' wrote into ${small} until it was full: its output may be cut short`);
      // Its file went with it.
      expect(readdirSync(small)).toEqual([]);
    });
  });

  it("reads a long output whole through execChunks, a piece at a time, spooled or piped", async () => {
    expect(await chunksOf("seq", ["1", "500000"])).toBe(seq(500000));
    expect(await chunksOf("seq", ["1", "500000"], { spool: false })).toBe(seq(500000));
  });

  it("still caps the output and stops a command past its time limit", async () => {
    await expect(chunksOf("head", ["-c", "3000000", "/dev/zero"], { maxBytes: 1_000_000 })).rejects.toThrow("printed more than 1000000 bytes");
    await expect(chunksOf("sleep", ["5"], { timeoutMs: 200 })).rejects.toThrow("'sleep 5' did not finish within 200 ms");
  });
});

/**
 * A command begun before the CLI loads (src/start.ts) is taken over by the run's execChunks of
 * the same command: everything it printed, in order, whether it is still running or already
 * done; its failure said as a command run then would say it. Another command runs its own.
 */
describe("beginChild, begun early and taken over by execChunks", () => {
  it("hands over what a finished command printed, then its end", async () => {
    const early = beginChild(sh, ["-c", "seq 1 20000"], 1 << 20);
    await once(early.child, "close");
    handOverEarlyChild(early);
    expect(await chunksOf("sh", ["-c", "seq 1 20000"])).toBe(seq(20000));
  });

  it("takes over a command still printing: what came before and after, in order", async () => {
    // stdin is closed for it: `read` fails at once, `echo never` still runs.
    const early = beginChild(sh, ["-c", "echo first; read x; echo never"], 1 << 20);
    handOverEarlyChild(early);
    expect(await chunksOf("sh", ["-c", "echo first; read x; echo never"])).toBe("first\nnever\n");
  });

  it("reads a pipe where no spool can be made", async () => {
    const early = beginChild(sh, ["-c", "seq 1 100000; echo said >&2"], 1 << 20, []);
    expect(early.spool).toBeUndefined();
    await once(early.child, "close");
    handOverEarlyChild(early);
    expect(await chunksOf("sh", ["-c", "seq 1 100000; echo said >&2"])).toBe(seq(100000));
  });

  it("says a failed early command as a failed command", async () => {
    const early = beginChild(sh, ["-c", "echo bad >&2; exit 3"], 1 << 20);
    await once(early.child, "close");
    handOverEarlyChild(early);
    await expect(chunksOf("sh", ["-c", "echo bad >&2; exit 3"])).rejects.toThrow("'sh -c echo bad >&2; exit 3' failed with exit code 3: bad");
  });

  it("leaves the early command alone when the run asks for another", async () => {
    const early = beginChild(sh, ["-c", "echo early"], 1 << 20);
    handOverEarlyChild(early);
    expect(await chunksOf("sh", ["-c", "echo own"])).toBe("own\n");
    expect(await chunksOf("sh", ["-c", "echo early"])).toBe("early\n");
  });
});
