#!/usr/bin/env node
// A bare `tcpstat --version` (or -V) is answered before the CLI bundle loads: scripts and
// package managers ask it often, and it should cost no more than starting node
// (commander and chalk alone add a quarter to that; see BENCHMARKS.md).
import { readFileSync, writeSync } from "node:fs";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  try {
    writeSync(1, `${version}\n`);
  } catch {
    // stdout closed (`tcpstat -V | true`): nothing to say, like any closed pipe.
  }
} else {
  // On a big Linux table the kernel starts printing sockets while the CLI loads (src/early-read.ts).
  (await import("../dist/early-read.js")).readEarly(args);
  await import("../dist/cli.js");
}
