// The CLI requires zod from this bundle of its own (dist/vendor/zod.cjs, tsup.config.ts): loaded only by the commands that validate with it.
export * from "zod";
