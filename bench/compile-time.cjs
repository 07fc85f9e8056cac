// Times what loading the CLI bundle costs in one process, with its code cache and without
// (BENCHMARKS.md, eighth pass): reading dist/cli.cjs, its CRC-32 (the cache's stamp), then
// compiling and running its top level.
//
//   node bench/compile-time.cjs cache    # with dist/cli.cjs.v8cache (made by any earlier run)
//   node bench/compile-time.cjs none
const { readFileSync } = require("node:fs");
const { wrap } = require("node:module");
const { join } = require("node:path");
const { Script } = require("node:vm");
const zlib = require("node:zlib");

const bundle = join(__dirname, "..", "dist", "cli.cjs");
const mode = process.argv[2] === "cache" ? "cache" : "none";
let cachedData;
if (mode === "cache") {
  const cache = readFileSync(`${bundle}.v8cache`);
  cachedData = cache.subarray(cache.indexOf(10) + 1);
}
const ms = (from, to) => (Number(to - from) / 1e6).toFixed(2);
const t0 = process.hrtime.bigint();
const bytes = readFileSync(bundle);
const t1 = process.hrtime.bigint();
zlib.crc32(bytes);
const t2 = process.hrtime.bigint();
const script = new Script(wrap(bytes.toString("utf8")), { filename: bundle, cachedData });
script.runInThisContext();
const t3 = process.hrtime.bigint();
console.log(`${mode}: read ${ms(t0, t1)} ms, crc32 ${ms(t1, t2)} ms, compile + top level ${ms(t2, t3)} ms${script.cachedDataRejected ? " (cache rejected)" : ""}`);
