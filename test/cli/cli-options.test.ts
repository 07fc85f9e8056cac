import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli.js";
import { CLI_OPTIONS } from "../../src/cli-options.js";
import { optionShape, type OptionTable } from "../../src/lib/command-line.js";

/**
 * src/cli-options.ts is the CLI's options as registered with commander, for reading a command
 * line before the CLI loads (src/start.ts). It is written here from the registered program:
 * after a change to any command's options, `npx vitest run test/cli/cli-options.test.ts --update`
 * writes it anew (this test fails until then).
 */
const program = await buildProgram(["--help"]);
const registered: OptionTable = {
  root: program.options.map((o) => o.flags),
  commands: Object.fromEntries(program.commands.map((c) => [c.name(), c.options.map((o) => o.flags)])),
};

const list = (flags: readonly string[], indent: string) => flags.map((f) => `${indent}${JSON.stringify(f)},`).join("\n");
const text = (table: OptionTable) =>
  [
    "// The CLI's options by command, as registered with commander (commander's flags), for",
    "// reading a command line before the CLI loads (src/start.ts, src/lib/command-line.ts).",
    "// Written by test/cli/cli-options.test.ts from the registered commands, which it checks",
    "// this against: `npx vitest run test/cli/cli-options.test.ts --update` after changing an option.",
    'import type { OptionTable } from "./lib/command-line.js";',
    "",
    "export const CLI_OPTIONS: OptionTable = {",
    "  root: [",
    list(table.root, "    "),
    "  ],",
    "  commands: {",
    ...Object.entries(table.commands).map(([name, flags]) => `    ${JSON.stringify(name)}: [\n${list(flags, "      ")}\n    ],`),
    "  },",
    "};",
    "",
  ].join("\n");

describe("the option table read before the CLI loads", () => {
  it("is commander's definitions, every command's", async () => {
    await expect(text(registered)).toMatchFileSnapshot("../../src/cli-options.ts");
    expect(CLI_OPTIONS).toEqual(registered);
  });

  it("reads each option's flags as commander does; none takes several words", () => {
    for (const command of [program, ...program.commands])
      for (const o of command.options) {
        expect(optionShape(o.flags), `${command.name()} ${o.flags}`).toEqual({ short: o.short, long: o.long, required: o.required, optional: o.optional, negate: o.negate });
        expect(o.variadic, `${command.name()} ${o.flags}`).toBe(false);
      }
  });
});
