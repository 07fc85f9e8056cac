import { defineConfig } from "tsup";

// Two entries: the library API (with its type declarations) and the CLI.
// Runtime libraries are bundled so `npx tcpstat` starts fast and fetches little;
// systeminformation stays external and is loaded only when its source is used.
export default defineConfig({
  entry: { index: "src/index.ts", cli: "src/cli.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  // tsup sets baseUrl, which TypeScript 6 deprecates.
  dts: { entry: { index: "src/index.ts" }, compilerOptions: { ignoreDeprecations: "6.0" } },
  // Not cleaned: parallel builds and test runs must never see an empty dist/ (prepack cleans).
  clean: false,
  splitting: true,
  sourcemap: false,
  // commander and cli-table3 are CommonJS and require() node built-ins: give the ESM bundle a require.
  banner: { js: 'import { createRequire as __tcpstatCreateRequire } from "node:module"; const require = __tcpstatCreateRequire(import.meta.url);' },
  noExternal: ["commander", "chalk", "cli-table3", "zod"],
  external: ["systeminformation"],
});
