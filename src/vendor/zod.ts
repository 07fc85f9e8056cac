// zod as a file of its own (dist/vendor/zod.cjs, tsup.config.ts), which the CLI and the library load
// only where they validate with it.
export * from "zod";
