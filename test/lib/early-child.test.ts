import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { beginEarlyChild } from "../../src/lib/early-child.js";
import { execChunks, handOverEarlyChild, systemTool } from "../../src/lib/exec.js";

/** What execChunks hands over, joined. */
async function chunksOf(cmd: string, args: readonly string[]): Promise<string> {
  const got: Buffer[] = [];
  await execChunks(cmd, args, (chunk) => got.push(chunk));
  return Buffer.concat(got).toString();
}

/**
 * A command begun before the CLI loads (src/start.ts) is taken over by the run's execChunks of
 * the same command: everything it printed, in order, whether it is still running or already
 * done; its failure said as a command run then would say it. Another command runs its own.
 */
describe("beginEarlyChild, taken over by execChunks", () => {
  const sh = systemTool("sh");

  it("hands over what a finished command printed, then its end", async () => {
    const early = beginEarlyChild(sh, ["-c", "seq 1 20000"]);
    await once(early.child, "close");
    handOverEarlyChild(early);
    const text = await chunksOf("sh", ["-c", "seq 1 20000"]);
    expect(text.split("\n").slice(0, 3)).toEqual(["1", "2", "3"]);
    expect(text.endsWith("19999\n20000\n")).toBe(true);
    expect(text.length).toBe(Buffer.byteLength(Array.from({ length: 20000 }, (_, i) => `${i + 1}\n`).join("")));
  });

  it("takes over a command still printing: what came before and after, in order", async () => {
    const early = beginEarlyChild(sh, ["-c", "echo first; read x; echo never"]);
    // stdin is closed for it: `read` fails at once, `echo never` still runs.
    await once(early.child.stdout!, "data");
    handOverEarlyChild(early);
    expect(await chunksOf("sh", ["-c", "echo first; read x; echo never"])).toBe("first\nnever\n");
  });

  it("says a failed early command as a failed command", async () => {
    const early = beginEarlyChild(sh, ["-c", "echo bad >&2; exit 3"]);
    await once(early.child, "close");
    handOverEarlyChild(early);
    await expect(chunksOf("sh", ["-c", "echo bad >&2; exit 3"])).rejects.toThrow("'sh -c echo bad >&2; exit 3' failed with exit code 3: bad");
  });

  it("leaves the early command alone when the run asks for another", async () => {
    const early = beginEarlyChild(sh, ["-c", "echo early"]);
    handOverEarlyChild(early);
    expect(await chunksOf("sh", ["-c", "echo own"])).toBe("own\n");
    expect(await chunksOf("sh", ["-c", "echo early"])).toBe("early\n");
  });
});
