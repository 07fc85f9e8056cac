import { defineConfig } from "tsup";

// Two entries: the library API (with its type declarations) and the CLI.
// Every runtime library is bundled, so installing the package fetches nothing else
// (package.json lists them as devDependencies). systeminformation is bundled too: code
// that reaches it through `await import("systeminformation")` gets it in a chunk of its own,
// loaded only when used (a bundled CommonJS module: take `mod.default ?? mod`).
// After each build, scripts/build-assets.mjs writes schema/*.json and tcpstat.1 from it.
export default defineConfig({
  // The owner scan's worker thread is an entry of its own, loaded by path (owner-scan.ts).
  // early-read is loaded by the bin before the CLI (see src/early-read.ts).
  entry: { index: "src/index.ts", cli: "src/cli.ts", "early-read": "src/early-read.ts", "owner-scan-worker": "src/sources/linux-procfs/owner-scan-worker.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  // tsup sets baseUrl, which TypeScript 6 deprecates.
  dts: { entry: { index: "src/index.ts" }, compilerOptions: { ignoreDeprecations: "6.0" } },
  // Not cleaned: parallel builds and test runs must never see an empty dist/ (prepack cleans).
  clean: false,
  splitting: true,
  sourcemap: false,
  // commander is CommonJS and require()s node built-ins: give the ESM bundle a require.
  // The banner lands in every chunk (dozens): one require is made and shared, as they all sit in dist/.
  banner: {
    js: 'import { createRequire as __tcpstatCreateRequire } from "node:module"; const require = (globalThis.__tcpstatRequire ??= __tcpstatCreateRequire(import.meta.url));',
  },
  // zod is an optional peer (for the types of the library API) and would be left external otherwise.
  noExternal: ["commander", "chalk", "string-width", "zod", "iconv-lite", "systeminformation"],
  onSuccess: "node scripts/build-assets.mjs",
});
