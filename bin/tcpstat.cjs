#!/usr/bin/env node
"use strict";
// CommonJS, as the CLI bundle is (tsup.config.ts): node starts it without its ES module loader.
// A bare `tcpstat --version` (or -V) is answered before the CLI bundle loads: scripts and
// package managers ask it often, and it should cost no more than starting node
// (commander and chalk alone add a quarter to that; see BENCHMARKS.md).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  const { version } = require("../package.json");
  try {
    require("node:fs").writeSync(1, `${version}\n`);
  } catch (error) {
    // stdout closed (`tcpstat -V | true`): nothing to say, like any closed pipe. Any other
    // failed write (`> /dev/full`) is one line and 1, as in every command (src/io.ts).
    if (error.code !== "EPIPE") {
      const why = String(error.message).replace(/^[A-Z]+: /, "").replace(/, write$/, "");
      process.stderr.write(`tcpstat: cannot write the output: ${why} (${error.code})\n`);
      process.exitCode = 1;
    }
  }
} else {
  // The CLI bundle, compiled with a code cache (src/start.ts), which reads the command line
  // by commander's definitions: on a big Linux table the kernel starts printing sockets before
  // the CLI's modules are evaluated (src/early-read.ts); commander's parse decides the rest.
  require("../dist/start.cjs").start(args);
}
