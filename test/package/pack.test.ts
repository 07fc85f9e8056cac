import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The package as npm users get it: `npm pack` of a clean copy of this tree (prepack cleans and
 * builds there, so the shared dist/ of a running test suite is never touched), then an install
 * of the tarball with an empty cache, --offline and a registry that refuses connections:
 * anything the package would fetch makes the install fail.
 */

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { name: string; version: string };
const REFUSING_REGISTRY = "http://127.0.0.1:9/";

let work: string;
let tarball: string;
let packed: { files: Array<{ path: string }>; size: number; unpackedSize: number };
let app: string;

function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  const env = { ...process.env, npm_config_registry: REFUSING_REGISTRY, npm_config_cache: join(work, "npm-cache"), npm_config_update_notifier: "false" };
  return spawnSync("npm", args, { cwd, env, encoding: "utf8", timeout: 240_000, maxBuffer: 64 * 1024 * 1024 });
}

function run(cmd: string, args: string[], cwd: string, input?: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: "utf8", input, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 64 * 1024 * 1024 });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "tcpstat-pack-"));
  const src = join(work, "src");
  const skip = new Set(["node_modules", ".git", "dist", "schema", "rules", "tcpstat.1", "coverage"]);
  cpSync(REPO, src, {
    recursive: true,
    filter: (path) => {
      const rel = relative(REPO, path);
      return rel === "" || (!skip.has(rel.split("/")[0]!) && !rel.endsWith(".tgz"));
    },
  });
  symlinkSync(join(REPO, "node_modules"), join(src, "node_modules"), "dir");
  const result = npm(["pack", "--json", "--pack-destination", work], src);
  expect(result.status, result.stderr).toBe(0);
  // prepack's build log comes first on stdout; npm's JSON report is the last thing printed
  const report = result.stdout.slice(result.stdout.search(/^\[\s*\{\s*"id"/m));
  packed = (JSON.parse(report) as (typeof packed)[])[0]!;
  tarball = join(work, `${pkg.name}-${pkg.version}.tgz`);
  console.log(
    `tarball ${(packed.size / 1024).toFixed(0)} KiB, unpacked ${(packed.unpackedSize / 1024).toFixed(0)} KiB, ${packed.files.length} files`,
  );

  app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  const started = Date.now();
  const install = npm(["install", "--offline", "--no-audit", "--no-fund", tarball], app);
  expect(install.status, `npm install of the tarball fetched something or failed: ${install.stderr}`).toBe(0);
  console.log(`offline install ${Date.now() - started} ms`);
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("npm pack", () => {
  it("ships the bundle, bin, types, JSON Schemas, Prometheus rules, man page, README and LICENSE, and nothing else", () => {
    const paths = packed.files.map((f) => f.path).sort();
    const allowed = (p: string) =>
      ["package.json", "README.md", "LICENSE", "tcpstat.1", "bin/tcpstat.cjs"].includes(p) ||
      /^dist\/(vendor\/)?[\w.-]+\.(js|cjs|d\.ts)$/.test(p) ||
      /^schema\/[a-z-]+\.json$/.test(p) ||
      p === "rules/tcpstat.rules.yml";
    expect(paths.filter((p) => !allowed(p))).toEqual([]);
    for (const required of ["bin/tcpstat.cjs", "dist/cli.cjs", "dist/vendor/zod.cjs", "dist/vendor/iconv-lite.cjs", "dist/vendor/systeminformation.cjs", "dist/index.js", "dist/index.d.ts", "schema/socket-record.json", "schema/sockets.json", "rules/tcpstat.rules.yml", "tcpstat.1", "README.md", "LICENSE"])
      expect(paths).toContain(required);
    expect(paths.some((p) => p.endsWith(".map"))).toBe(false);
  });

  it("the bundle imports nothing but node's own modules (and its own chunks)", () => {
    const dist = join(app, "node_modules", "tcpstat", "dist");
    const outside = new Set<string>();
    const files = [...readdirSync(dist), ...readdirSync(join(dist, "vendor")).map((f) => join("vendor", f))];
    for (const file of files.filter((f) => f.endsWith(".js") || f.endsWith(".cjs"))) {
      const code = readFileSync(join(dist, file), "utf8");
      for (const match of code.matchAll(/(?:^\s*(?:import|export)\b[^;"']*?\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([^"']+)["']/gm)) {
        const spec = match[1]!;
        if (spec.startsWith("./") || spec.startsWith("node:") || !/^[@a-z][\w./@-]*$/.test(spec)) continue;
        outside.add(spec);
      }
    }
    // bare built-in names (require("fs") inside bundled CommonJS) are node's too
    const builtins = new Set(builtinModules);
    // macOS-only optional requires inside systeminformation, each in a try/catch
    const optionalNative = new Set(["osx-temperature-sensor", "macos-temperature-sensor"]);
    expect([...outside].filter((s) => !builtins.has(s) && !optionalNative.has(s))).toEqual([]);
  });
});

describe("installed from the tarball, offline", () => {
  it("pulled in no other package", () => {
    const installed = readdirSync(join(app, "node_modules")).filter((n) => !n.startsWith("."));
    expect(installed).toEqual(["tcpstat"]);
  });

  it("npx tcpstat --version prints the package version", () => {
    const result = npm(["exec", "--offline", "--", "tcpstat", "--version"], app);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${pkg.version}\n`);
  });

  it("npx on the tarball itself works with an empty cache", () => {
    // ./NAME.tgz: npx takes a bare absolute path for a command to run, not a package
    const result = spawnSync("npx", ["--yes", "--offline", "--cache", join(work, "npx-cache"), `./${relative(work, tarball)}`, "--version"], {
      cwd: work,
      encoding: "utf8",
      env: { ...process.env, npm_config_registry: REFUSING_REGISTRY },
      timeout: 120_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim().split("\n").at(-1)).toBe(pkg.version);
  });

  it("tcpstat --json lists this machine's sockets, valid against the shipped schema", () => {
    const bin = join(app, "node_modules", ".bin", "tcpstat");
    const result = run(bin, ["--json", "-tu"], app);
    expect(result.status, result.stderr).toBe(0);
    const schema = JSON.parse(readFileSync(join(app, "node_modules", "tcpstat", "schema", "sockets.json"), "utf8")) as object;
    const validate = new Ajv2020({ strict: true }).compile(schema);
    const records = JSON.parse(result.stdout) as unknown[];
    expect(records.length).toBeGreaterThan(0);
    expect(validate(records), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(JSON.parse(run(bin, ["schema", "sockets"], app).stdout)).toEqual(schema);
  });

  it("the systeminformation source, bundled, loads and lists sockets", () => {
    const bin = join(app, "node_modules", ".bin", "tcpstat");
    const result = run(bin, ["--source", "systeminformation", "--json", "-l"], app);
    expect(result.status, result.stderr).toBe(0);
    expect(Array.isArray(JSON.parse(result.stdout))).toBe(true);
  });

  it("the Prometheus rules are installed, as `tcpstat rules` prints them", () => {
    const shipped = readFileSync(join(app, "node_modules", "tcpstat", "rules", "tcpstat.rules.yml"), "utf8");
    const printed = run(join(app, "node_modules", ".bin", "tcpstat"), ["rules"], app);
    expect(printed.status, printed.stderr).toBe(0);
    expect(shipped).toBe(printed.stdout);
    expect(shipped).toMatch(/^ {6}- alert: "TcpstatCloseWaitLeak"$/m);
  });

  it("the man page is installed and renders", () => {
    const page = join(app, "node_modules", "tcpstat", "tcpstat.1");
    expect(statSync(page).size).toBeGreaterThan(1000);
    const text = run("man", ["-l", page], app, undefined);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^NAME\n\s+tcpstat\s+-\s+Which sockets/m);
  });

  it("the library: import { listSockets } from 'tcpstat'", () => {
    const code = `import { listSockets, SocketRecordSchema, OUTPUT_SCHEMA_NAMES } from "tcpstat";
      import schema from "tcpstat/schema/socket-record.json" with { type: "json" };
      const records = await listSockets({ protos: ["tcp", "udp"] });
      for (const r of records) SocketRecordSchema.parse(r);
      console.log(JSON.stringify({ n: records.length, names: OUTPUT_SCHEMA_NAMES.length, title: schema.title }));`;
    const result = run(process.execPath, ["--input-type=module", "-e", code], app);
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { n: number; names: number; title: string };
    expect(out.n).toBeGreaterThan(0);
    expect(out.names).toBe(11);
    expect(out.title).toBe("tcpstat socket-record");
  });

  it("the library's types are the zod schemas' types (dist/index.d.ts, checked by tsc)", () => {
    // A TypeScript user adds zod (the optional peer) for the types; the runtime needs nothing.
    symlinkSync(join(REPO, "node_modules", "zod"), join(app, "node_modules", "zod"), "dir");
    mkdirSync(join(app, "node_modules", "@types"));
    symlinkSync(join(REPO, "node_modules", "@types", "node"), join(app, "node_modules", "@types", "node"), "dir");
    writeFileSync(
      join(app, "consumer.ts"),
      `import { listSockets, SocketRecordSchema, SummarySchema, type SocketRecord, type Summary } from "tcpstat";
import type { z } from "zod";
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const recordTypes: Same<SocketRecord, z.infer<typeof SocketRecordSchema>> = true;
const summaryTypes: Same<Summary, z.infer<typeof SummarySchema>> = true;
const records: SocketRecord[] = await listSockets({ states: ["CLOSE_WAIT"] });
const port: number = records[0]!.localPort;
// @ts-expect-error a field the schema does not describe
const extra: SocketRecord = { ...records[0]!, colour: "red" };
// @ts-expect-error not a TCP state
const state: SocketRecord["state"] = "LISTENING";
export { recordTypes, summaryTypes, port, extra, state };
`,
    );
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { target: "ES2022", module: "nodenext", moduleResolution: "nodenext", strict: true, noEmit: true, types: ["node"] }, files: ["consumer.ts"] }),
    );
    const tsc = join(REPO, "node_modules", "typescript", "bin", "tsc");
    const result = run(process.execPath, [tsc, "-p", join(app, "tsconfig.json")], app);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(existsSync(join(app, "consumer.js"))).toBe(false);
  });
});
