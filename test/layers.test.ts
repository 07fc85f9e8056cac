import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The shape of src/ as a check: imports run down the layers only, and no two files import
 * each other, directly or round a circle. Every import counts: static and dynamic, type-only
 * too (a type import is still a file that has to be read to understand this one).
 *
 * The layers, bottom to top, and what each may import besides itself:
 *
 *   model      src/model/, src/errors.ts, src/vendor/      (nothing)
 *   lib        src/lib/, src/io.ts                         model
 *   sources    src/sources/                                model, lib
 *   knowledge  src/knowledge/                              model, lib
 *   format     src/format/                                 model, lib, knowledge
 *   loader     src/load/, src/trace.ts                     model, lib, sources, knowledge, format
 *   commands   src/commands/, src/command-names.ts         all of the above
 *   top        src/cli.ts, run.ts, start.ts, index.ts ...  anything
 *
 * sources, knowledge and format are siblings: a source reads the system and makes records,
 * knowledge knows what the kernel's words and numbers mean, format draws text. A format may
 * draw what knowledge knows (the states' words, the counters' labels); knowledge draws
 * nothing, and neither it nor a format reads the system. errors.ts is the one error type,
 * thrown from every layer: it sits at the bottom. io.ts (the writes to stdout and stderr,
 * the colour decision) is what a format hands its bytes to: it sits with lib.
 * A top-level file not named here is "top": nothing below may import it.
 */

const ROOT = resolve(import.meta.dirname, "..");
const SRC = join(ROOT, "src");

const LAYERS = ["model", "lib", "sources", "knowledge", "format", "loader", "commands", "top"] as const;
type Layer = (typeof LAYERS)[number];

const MAY_IMPORT: Readonly<Record<Layer, readonly Layer[]>> = {
  model: ["model"],
  lib: ["model", "lib"],
  sources: ["model", "lib", "sources"],
  knowledge: ["model", "lib", "knowledge"],
  format: ["model", "lib", "knowledge", "format"],
  loader: ["model", "lib", "sources", "knowledge", "format", "loader"],
  commands: ["model", "lib", "sources", "knowledge", "format", "loader", "commands"],
  top: LAYERS,
};

/** Layers that draw no text: they do not import the colour library. */
const NO_CHALK: readonly Layer[] = ["model", "sources", "knowledge"];

const FOLDER_LAYERS: Readonly<Record<string, Layer>> = {
  model: "model",
  vendor: "model",
  lib: "lib",
  sources: "sources",
  knowledge: "knowledge",
  format: "format",
  load: "loader",
  commands: "commands",
};

const FILE_LAYERS: Readonly<Record<string, Layer>> = {
  "errors.ts": "model",
  "io.ts": "lib",
  "trace.ts": "loader",
  "command-names.ts": "commands",
};

/** The layer of a file under src/ (a path relative to src/, with / between its parts). */
function layerOf(file: string): Layer | undefined {
  const [first, ...rest] = file.split("/");
  if (first === undefined) return undefined;
  if (rest.length > 0) return FOLDER_LAYERS[first];
  return FILE_LAYERS[first] ?? "top";
}


interface Import {
  from: string;
  /** The file imported, relative to src/; a package's name for a package. */
  to: string;
  line: number;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [relative(SRC, path).split("\\").join("/")] : [];
  });
}

/** Every import of a file: `import ... from`, `export ... from`, `import("...")` and `typeof import("...")`. */
function importsOf(file: string, text = readFileSync(join(SRC, file), "utf8")): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: Import[] = [];
  const add = (specifier: ts.Node | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return;
    const line = source.getLineAndCharacterOfPosition(specifier.getStart(source)).line + 1;
    const name = specifier.text;
    if (!name.startsWith(".")) {
      found.push({ from: file, to: name, line, typeOnly });
      return;
    }
    const target = resolve(dirname(join(SRC, file)), name.replace(/\.js$/, ".ts"));
    found.push({ from: file, to: relative(SRC, target).split("\\").join("/"), line, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, node.importClause?.isTypeOnly === true);
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, true);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression, node.isTypeOnly);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const files = sourceFiles(SRC).sort();
const imports = files.flatMap((file) => importsOf(file));
const isFile = (to: string) => !to.startsWith("..") && /\.tsx?$/.test(to);
const edges = imports.filter((i) => isFile(i.to));

function layerViolations(): string[] {
  const out: string[] = [];
  for (const file of files) if (layerOf(file) === undefined) out.push(`no layer: src/${file} (name its folder in FOLDER_LAYERS)`);
  for (const i of edges) {
    if (!existsSync(join(SRC, i.to))) {
      out.push(`unresolved: src/${i.from}:${i.line} imports src/${i.to}, which does not exist`);
      continue;
    }
    const from = layerOf(i.from);
    const to = layerOf(i.to);
    if (from === undefined || to === undefined || MAY_IMPORT[from].includes(to)) continue;
    out.push(`up: src/${i.from}:${i.line} (${from}) imports src/${i.to} (${to})${i.typeOnly ? ", type only" : ""}`);
  }
  for (const i of imports) {
    const from = layerOf(i.from);
    if (i.to === "chalk" && from !== undefined && NO_CHALK.includes(from)) out.push(`draws: src/${i.from}:${i.line} (${from}) imports chalk`);
  }
  return out;
}

/** The files that import each other round a circle: strongly connected components of more than one file (Tarjan). */
function cycles(): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) if (next.has(e.to)) next.get(e.from)!.push(e.to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = ""; w !== v; ) {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    }
    if (component.length > 1) found.push(component.sort());
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return found;
}

const cycleViolations = () => cycles().map((c) => `cycle: ${c.map((f) => `src/${f}`).join(", ")}`);

/** The imports inside each circle, to say where to cut it. */
function cycleEdges(): string[] {
  return cycles().flatMap((c) =>
    edges.filter((e) => c.includes(e.from) && c.includes(e.to)).map((e) => `  src/${e.from}:${e.line} -> src/${e.to}${e.typeOnly ? " (type)" : ""}`),
  );
}

describe("the layers of src/", () => {
  it("has every import running down the layers and no circle of imports", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(edges.length).toBeGreaterThan(500);
    const found = [...layerViolations(), ...cycleViolations()];
    expect(found, `imports against the layers (test/layers.test.ts says why):\n${[...found, ...cycleEdges()].join("\n")}`).toEqual([]);
  });

  it("reads every kind of import", () => {
    const sample = [
      'import { a } from "./model/a.js";',
      'import type { B } from "./model/b.js";',
      'export { c } from "./model/c.js";',
      'const d = await import("./model/d.js");',
      'let e: typeof import("./model/e.js");',
      'let f: import("./model/f.js").F;',
      'import "chalk";',
      '// import { g } from "./model/g.js";',
    ].join("\n");
    expect(importsOf("x.ts", sample).map((i) => `${i.to}${i.typeOnly ? " (type)" : ""}`)).toEqual([
      "model/a.ts",
      "model/b.ts (type)",
      "model/c.ts",
      "model/d.ts",
      "model/e.ts (type)",
      "model/f.ts (type)",
      "chalk",
    ]);
  });
});
