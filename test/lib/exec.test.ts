import { describe, expect, it } from "vitest";
import { TcpstatError } from "../../src/errors.js";
import { exec } from "../../src/lib/exec.js";

describe("exec", () => {
  it("returns the command's stdout as bytes, arguments passed literally (no shell)", async () => {
    const out = await exec("printf", ["%s|", "a b", "$(id)", ";ls"]);
    expect(Buffer.isBuffer(out)).toBe(true);
    expect(out.toString()).toBe("a b|$(id)|;ls|");
  });

  it("names what to install when the command is missing", async () => {
    const err = await exec("lsof-does-not-exist-xyz", []).catch((e) => e);
    expect(err).toBeInstanceOf(TcpstatError);
    expect(err.message).toBe("'lsof-does-not-exist-xyz' was not found in /usr/sbin, /usr/bin, /sbin, /bin");
    expect(err.hint).toContain("install lsof-does-not-exist-xyz");
  });

  it("stops a command that runs past its time limit", async () => {
    const err = await exec("sleep", ["5"], { timeoutMs: 200 }).catch((e) => e);
    expect(err).toBeInstanceOf(TcpstatError);
    expect(err.message).toBe("'sleep 5' did not finish within 200 ms");
  });

  it("caps the output", async () => {
    const err = await exec("head", ["-c", "5000", "/dev/zero"], { maxBytes: 1000 }).catch((e) => e);
    expect(err).toBeInstanceOf(TcpstatError);
    expect(err.message).toContain("printed more than 1000 bytes");
  });

  it("reports a failing exit code with the first stderr line, unless that code is accepted", async () => {
    const err = await exec("sh", ["-c", "echo boom >&2; exit 3"]).catch((e) => e);
    expect(err.message).toBe("'sh -c echo boom >&2; exit 3' failed with exit code 3: boom");
    const ok = await exec("sh", ["-c", "echo partial; exit 1"], { okExitCodes: [0, 1] });
    expect(ok.toString()).toBe("partial\n");
  });
});
