import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";

/** `tcpstat completion bash|zsh|fish`: scripts the shells accept and that complete what tcpstat takes. */

const dir = mkdtempSync(join(tmpdir(), "tcpstat-completion-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(shell: string): string {
  const result = runTcpstat(["completion", shell]);
  expect(result.status, result.stderr).toBe(0);
  const path = join(dir, `tcpstat.${shell}`);
  writeFileSync(path, result.stdout);
  return path;
}

const has = (shell: string) => spawnSync("sh", ["-c", `command -v ${shell}`]).status === 0;
// CI installs zsh and fish (.ci/run): there a missing shell is a failure, not a skip.
const shellMissing = (shell: string) => !has(shell) && !process.env.CI;

/** What bash offers for a command line, the last word being completed. */
function bashComplete(path: string, words: string[]): string[] {
  const quoted = words.map((w) => `'${w.replace(/'/g, "'\\''")}'`).join(" ");
  const result = spawnSync("bash", ["-c", `source '${path}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _tcpstat; printf '%s\\n' "\${COMPREPLY[@]}"`], {
    encoding: "utf8",
  });
  expect(result.stderr).toBe("");
  return result.stdout.split("\n").filter((line) => line !== "");
}

describe("bash", () => {
  const path = script("bash");

  it("is valid bash and registers a completion for tcpstat", () => {
    expect(spawnSync("bash", ["-n", path], { encoding: "utf8" }).status).toBe(0);
    const registered = spawnSync("bash", ["-c", `source '${path}'; complete -p tcpstat`], { encoding: "utf8" });
    expect(registered.stdout.trim()).toBe("complete -F _tcpstat tcpstat");
  });

  it("completes commands, flags, and the values of --state, --format and schema names", () => {
    expect(bashComplete(path, ["tcpstat", "s"])).toEqual(["schema", "serve", "summary", "stats"]);
    expect(bashComplete(path, ["tcpstat", "--sta"])).toEqual(["--state"]);
    expect(bashComplete(path, ["tcpstat", "--state", "close"])).toEqual(["close", "close-wait"]);
    // a comma list completes its last item
    expect(bashComplete(path, ["tcpstat", "--state", "established,time"])).toEqual(["established,time-wait"]);
    // --format=j: bash splits at '='
    expect(bashComplete(path, ["tcpstat", "--format", "=", "j"])).toEqual(["json"]);
    expect(bashComplete(path, ["tcpstat", "schema", "so"])).toEqual(["socket-record", "sockets"]);
    expect(bashComplete(path, ["tcpstat", "completion", ""])).toEqual(["bash", "zsh", "fish"]);
    // a subcommand's own flags, not the root's
    expect(bashComplete(path, ["tcpstat", "stats", "--i"])).toEqual(["--interval"]);
    // free values (ports) get no guesses, and a value that looks like a command is not one
    expect(bashComplete(path, ["tcpstat", "--port", ""])).toEqual([]);
    expect(bashComplete(path, ["tcpstat", "--process", "summary", "--j"])).toEqual(["--json"]);
  });
});

describe.skipIf(shellMissing("zsh"))("zsh (skipped when zsh is not installed, outside CI)", () => {
  it("is valid zsh, and compinit picks it up for tcpstat", () => {
    const path = script("zsh");
    expect(spawnSync("zsh", ["-n", path], { encoding: "utf8" }).status).toBe(0);
    const result = spawnSync(
      "zsh",
      ["-f", "-c", `autoload -U compinit && compinit -u -d '${dir}/zcompdump' && source '${path}' && print -r -- $_comps[tcpstat]`],
      { encoding: "utf8" },
    );
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("_tcpstat");
  });
});

describe.skipIf(shellMissing("fish"))("fish (skipped when fish is not installed, outside CI)", () => {
  it("is valid fish and completes commands, flags and values", () => {
    const path = script("fish");
    expect(spawnSync("fish", ["-n", path], { encoding: "utf8" }).status).toBe(0);
    const complete = (line: string) => {
      const result = spawnSync("fish", ["-N", "-c", `source '${path}'; complete -C '${line}'`], { encoding: "utf8", env: { ...process.env, HOME: dir } });
      expect(result.stderr).toBe("");
      return result.stdout.split("\n").filter((l) => l !== "").map((l) => l.split("\t")[0]);
    };
    expect(complete("tcpstat --sta")).toEqual(["--state"]);
    expect(complete("tcpstat --state ")).toEqual(expect.arrayContaining(["close-wait", "time-wait", "connected"]));
    expect(complete("tcpstat schema so").sort()).toEqual(["socket-record", "sockets"]);
    expect(complete("tcpstat completion ").sort()).toEqual(["bash", "fish", "zsh"]);
    expect(complete("tcpstat stats --int")).toEqual(["--interval"]);
  });
});

describe("tcpstat completion", () => {
  it("a shell it does not know is a usage error naming the choices", () => {
    const result = runTcpstat(["completion", "tcsh"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^tcpstat: .*'tcsh'.*bash, zsh, fish/);
  });

  it("without a shell says one is needed", () => {
    const result = runTcpstat(["completion"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^tcpstat: .*shell/);
  });
});
