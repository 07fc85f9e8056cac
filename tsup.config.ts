import { defineConfig, type Options } from "tsup";

// Three builds into dist/. Every runtime library is bundled, so installing the package
// fetches nothing else (package.json lists them as devDependencies).
// After the build, scripts/build-assets.mjs writes schema/*.json and tcpstat.1 from it.

/** The big libraries only some runs need: a CommonJS file each (dist/vendor/), loaded when used. */
const VENDORED = ["zod", "iconv-lite", "systeminformation"];

/** Imports of the vendored libraries, taken to their files (which the build below makes). */
const vendored: NonNullable<Options["esbuildPlugins"]>[number] = {
  name: "vendored",
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(${VENDORED.join("|")})$`) }, (args) => ({ path: `./vendor/${args.path}.cjs`, external: true }));
  },
};

/**
 * commander requires node:child_process at load, for subcommands run as programs of their own,
 * which tcpstat has none of: its use waits for a first call. Loading it (with net and dgram)
 * was 3 ms of every run's start.
 */
const lazyChildProcess: NonNullable<Options["esbuildPlugins"]>[number] = {
  name: "lazy-child-process",
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: "child_process", namespace: "lazy-child-process" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "lazy-child-process" }, () => ({
      contents: 'let loaded; module.exports = new Proxy({}, { get: (_, key) => (loaded ??= require("node:child_process"))[key] });',
      loader: "js",
    }));
  },
};

// What every build shares. Not cleaned: parallel builds and test runs must never see an
// empty dist/ (prepack cleans).
const common = { target: "node20", platform: "node", clean: false, sourcemap: false } satisfies Options;

// The library and the CLI bundle the small libraries and take the vendored ones from their
// files. The vendored names are listed so that tsup leaves them to the plugin (it would keep
// zod, an optional peer for the library's types, external as "zod").
// `node:` imports are left to esbuild (tsup would take them first, and lazyChildProcess never see them).
const bundled = {
  noExternal: ["commander", "chalk", "string-width", ...VENDORED],
  esbuildPlugins: [vendored, lazyChildProcess],
  removeNodeProtocol: false,
} satisfies Options;

// The library API (ESM, with its type declarations) and the owner scan's worker thread
// (loaded by path, owner-scan.ts): code split into shared chunks.
const library: Options = {
  ...common,
  entry: { index: "src/index.ts", "owner-scan-worker": "src/sources/linux-procfs/owner-scan-worker.ts" },
  format: ["esm"],
  // tsup sets baseUrl, which TypeScript 6 deprecates.
  dts: { entry: { index: "src/index.ts" }, compilerOptions: { ignoreDeprecations: "6.0" } },
  splitting: true,
  // commander is CommonJS and require()s node built-ins: give the ESM bundle a require.
  // The banner lands in every chunk: one require is made and shared, as they all sit in dist/.
  banner: {
    js: 'import { createRequire as __tcpstatCreateRequire } from "node:module"; const require = (globalThis.__tcpstatRequire ??= __tcpstatCreateRequire(import.meta.url));',
  },
  ...bundled,
};

// The CLI: one CommonJS file (src/run.ts: the early read, then the CLI). Node 20 loads a
// CommonJS file in one synchronous read and compile; the same code as ESM chunks took ~25
// modules, each resolved, read through the thread pool and linked: 30-50 ms more per run on
// this 2-core machine (BENCHMARKS.md, sixth pass). Modules reached only through `await import()`
// are still evaluated only when first used; the big libraries stay in files of their own.
const cli: Options = {
  ...common,
  // start.cjs compiles cli.cjs with a code cache (src/start.ts).
  entry: { cli: "src/run.ts", start: "src/start.ts" },
  format: ["cjs"],
  splitting: false,
  // import.meta.url (the worker's path, the shipped schemas) from __filename.
  shims: true,
  // `await import(x)` of what stays outside the bundle (node built-ins, the vendored files)
  // becomes require(x): no ES module loader, and src/start.ts can compile the bundle itself
  // (a vm.Script has no loader for import()).
  esbuildOptions(options) {
    options.supported = { ...options.supported, "dynamic-import": false };
  },
  ...bundled,
};

const vendor: Options = {
  ...common,
  entry: { "vendor/zod": "src/vendor/zod.ts", "vendor/iconv-lite": "node_modules/iconv-lite/lib/index.js", "vendor/systeminformation": "node_modules/systeminformation/lib/index.js" },
  format: ["cjs"],
  splitting: false,
  noExternal: VENDORED,
};

export default defineConfig([library, cli, vendor]);
