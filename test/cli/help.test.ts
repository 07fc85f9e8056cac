import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import { startScenario, type Scenario } from "../live/scenario.js";

/** Help that teaches: examples on every command, true examples, exit codes, the man page. */

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

/** The commands `tcpstat --help` lists (help itself aside). */
function listedCommands(help: string): string[] {
  const section = help.split("\nCommands:\n")[1]?.split("\n\n")[0] ?? "";
  return section
    .split("\n")
    .map((line) => /^ {2}([a-z][\w-]*)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && name !== "help");
}

/** The example rows of a help text: [netstat, ss, tcpstat] cells by the column header. */
function exampleRows(help: string): Array<Record<string, string>> {
  const lines = help.split("\nExamples:\n")[1]?.split("\n\n")[0]?.split("\n") ?? [];
  const header = lines[0]?.trim().split(/\s{3,}/) ?? [];
  const rows: string[][] = [];
  for (const line of lines.slice(1)) {
    if (line.trimStart().startsWith("#")) continue;
    const cells = line.trim().split(/\s{3,}/);
    // A row too wide for 100 columns goes on under its last columns (src/commands/help.ts).
    if (/^ {3,}/.test(line)) rows[rows.length - 1]!.push(...cells);
    else rows.push(cells);
  }
  return rows.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ""])));
}

describe("tcpstat --help", () => {
  const root = runTcpstat(["--help"]);

  it("prints usage, options and commands on stdout and exits 0", () => {
    expect(root.status).toBe(0);
    expect(root.stderr).toBe("");
    expect(root.stdout).toMatch(/^Usage: tcpstat \[options\] \[command\]/);
    expect(listedCommands(root.stdout)).toEqual(expect.arrayContaining(["schema", "completion", "summary", "stats"]));
  });

  it("ends with netstat and ss commands beside their tcpstat equivalents, then exit codes", () => {
    const examples = root.stdout.indexOf("\nExamples:\n");
    const exit = root.stdout.indexOf("\nExit status:\n");
    expect(examples).toBeGreaterThan(root.stdout.indexOf("\nCommands:\n"));
    expect(exit).toBeGreaterThan(examples);
    const rows = exampleRows(root.stdout);
    expect(rows).toContainEqual({ netstat: "netstat -tlnp", ss: "ss -tlnp", tcpstat: "tcpstat -l" });
    expect(rows).toContainEqual({ netstat: "netstat -tanp | grep CLOSE_WAIT", ss: "ss -tanp state close-wait", tcpstat: "tcpstat --state close-wait" });
    for (const code of ["0", "1", "2", "3"]) expect(root.stdout).toMatch(new RegExp(`\\n {2}${code} {2}\\S`));
    expect(root.stdout).toContain("NO_COLOR");
    expect(root.stdout).toContain("FORCE_COLOR");
  });

  it("every command's help ends with examples", () => {
    const commands = listedCommands(root.stdout);
    for (const name of commands) {
      const help = runTcpstat([name, "--help"]);
      expect(help.status, name).toBe(0);
      const tail = help.stdout.split("\nExamples:\n")[1];
      expect(tail, `${name} --help has no Examples section`).toBeDefined();
      expect(tail, name).toMatch(/tcpstat /);
      // examples come last: nothing but example lines after the heading
      expect(tail!.trimEnd().split("\n").every((line) => line.startsWith("  ")), name).toBe(true);
    }
    // `tcpstat help NAME` is the same text
    expect(runTcpstat(["help", "schema"]).stdout).toBe(runTcpstat(["schema", "--help"]).stdout);
  });

  it("-V and --version print the package version", () => {
    for (const flag of ["-V", "--version"]) {
      const result = runTcpstat([flag]);
      expect(result.status).toBe(0);
      expect(result.stdout).toBe(`${pkg.version}\n`);
    }
  });
});

describe("the root examples do what their netstat and ss neighbours do", () => {
  let scenario: Scenario;
  beforeAll(async () => {
    scenario = await startScenario();
  });
  afterAll(() => scenario?.close());

  /** Lines a netstat/ss command line prints, headers left out (a grep in the pipe has none to drop). */
  function countLines(command: string): number {
    const result = scenario.ns.run("sh", ["-c", command]);
    expect(result.status === 0 || (result.status === 1 && command.includes("grep")), `${command}: ${result.stderr}`).toBe(true);
    const lines = result.stdout.split("\n").filter((line) => line.trim() !== "");
    if (command.includes("|")) return lines.length;
    const headers = command.startsWith("netstat") ? 2 : 1;
    return lines.length - headers;
  }

  it("each example row counts the same sockets three ways", () => {
    const rows = exampleRows(runTcpstat(["--help"]).stdout);
    const nonEmpty: string[] = [];
    for (const row of rows) {
      const args = row.tcpstat!.replace(/^tcpstat\s+/, "").split(/\s+/);
      const tools = (["netstat", "ss"] as const).map((tool) => row[tool]).filter((command): command is string => Boolean(command) && command !== "-");
      // The scenario's TIME_WAIT and SYN_SENT end by themselves (60 s, about 2 min): when one
      // ended between the three reads, the row is read again, at most twice.
      let count = 0;
      let counted: number[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const json = runTcpstat([...args.filter((a) => a !== "--json"), "--json"], { netns: scenario.ns });
        expect(json.status, `${row.tcpstat}: ${json.stderr}`).toBe(0);
        count = (JSON.parse(json.stdout) as unknown[]).length;
        counted = tools.map(countLines);
        if (counted.every((n) => n === count)) break;
      }
      if (count > 0) nonEmpty.push(row.tcpstat!);
      tools.forEach((command, i) => expect(counted[i], `${command} vs ${row.tcpstat}`).toBe(count));
    }
    // the scenario holds listeners, CLOSE_WAIT, IPv6 UDP and timers: most rows select something
    expect(nonEmpty).toEqual(expect.arrayContaining(["tcpstat -l", "tcpstat -tu", "tcpstat --state close-wait", "tcpstat -6 -ul", "tcpstat -o"]));
  }, 240_000); // two dozen commands, netstat -p scanning every process of the machine: slow on a busy one
  it("every command's example that runs and ends by itself succeeds", () => {
    const commands = listedCommands(runTcpstat(["--help"]).stdout).filter((name) => name !== "serve");
    let ran = 0;
    for (const name of commands) {
      for (const row of exampleRows(runTcpstat([name, "--help"]).stdout)) {
        const line = row.tcpstat ?? Object.values(row)[0]!;
        // pipes, redirections and endless runs (--watch, --output to a system path, top's screen) are for people
        if (!line.startsWith(`tcpstat ${name}`) || /[|<>&;$]|--watch|--output|^tcpstat top/.test(line)) continue;
        const result = runTcpstat(line.split(/\s+/).slice(1), { netns: scenario.ns });
        expect(name === "doctor" ? [0, 3] : [0], `${line}: ${result.stderr}`).toContain(result.status);
        expect(result.stdout.length, line).toBeGreaterThan(0);
        ran++;
      }
    }
    expect(ran).toBeGreaterThanOrEqual(10);
  }, 240_000);
});

describe("the man page", () => {
  const page = readFileSync(new URL("../../tcpstat.1", import.meta.url), "utf8");

  it("is what `tcpstat manpage` prints, and renders without groff warnings", () => {
    expect(runTcpstat(["manpage"]).stdout).toBe(page);
    const groff = spawnSync("groff", ["-man", "-Tutf8", "-ww", "-z"], { input: page, encoding: "utf8" });
    expect(groff.status).toBe(0);
    expect(groff.stderr).toBe("");
  });

  it("has the sections a man page has, the options and every command of --help", () => {
    const text = spawnSync("man", ["-l", "-"], { input: page, encoding: "utf8", env: { ...process.env, MANWIDTH: "100", MAN_KEEP_FORMATTING: "" } })
      .stdout.replace(/.\x08/g, "");
    for (const section of ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "EXAMPLES", "EXIT STATUS", "ENVIRONMENT", "SEE ALSO"])
      expect(text).toMatch(new RegExp(`^${section}$`, "m"));
    expect(text).toContain(`tcpstat ${pkg.version}`);
    expect(text).toMatch(/^ +-l, --listening\n +listening sockets only/m);
    for (const name of listedCommands(runTcpstat(["--help"]).stdout)) expect(text).toMatch(new RegExp(`^ +tcpstat ${name}\\b`, "m"));
    expect(text).toMatch(/^ +tcpstat --state close-wait\n +connections\s+stuck\s+in\s+CLOSE_WAIT;\s+like\s+netstat\s+-tanp\s+\|\s+grep\s+CLOSE_WAIT\s+or/m);
    expect(text).toMatch(/^ +2 +usage error/m);
  });
});
