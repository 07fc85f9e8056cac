// Build step run after tsup (npm run build): writes what the
// package ships beside the bundle, generated from it so nothing is described twice:
//   schema/NAME.json  JSON Schema of each JSON output, from the zod schemas (src/model/schemas.ts)
//   tcpstat.1         the man page, rendered from the commander tree by the hidden `tcpstat manpage`
//   rules/tcpstat.rules.yml  the Prometheus rules, as `tcpstat rules` prints them with its defaults
// Files are written to a temporary name and renamed, so a test reading them never sees half a file.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function writeAtomic(path, text) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

const { OUTPUT_SCHEMA_NAMES, outputJsonSchema } = await import(`${root}/dist/index.js?t=${Date.now()}`);
mkdirSync(`${root}/schema`, { recursive: true });
for (const name of OUTPUT_SCHEMA_NAMES) writeAtomic(`${root}/schema/${name}.json`, `${JSON.stringify(outputJsonSchema(name), null, 2)}\n`);
for (const file of readdirSync(`${root}/schema`)) {
  if (file.endsWith(".json") && !OUTPUT_SCHEMA_NAMES.includes(file.slice(0, -5))) rmSync(`${root}/schema/${file}`);
}

const manPage = execFileSync(process.execPath, [`${root}/bin/tcpstat.cjs`, "manpage"], {
  encoding: "utf8",
  env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined },
});
writeAtomic(`${root}/tcpstat.1`, manPage);
const rules = execFileSync(process.execPath, [`${root}/bin/tcpstat.cjs`, "rules"], { encoding: "utf8" });
mkdirSync(`${root}/rules`, { recursive: true });
writeAtomic(`${root}/rules/tcpstat.rules.yml`, rules);
// That run wrote the CLI's code cache (src/lib/code-cache.ts) for `manpage`: the first real
// run writes its own, and the package ships none.
rmSync(`${root}/dist/cli.cjs.v8cache`, { force: true });
console.log(`build-assets: schema/ (${OUTPUT_SCHEMA_NAMES.length} files), tcpstat.1, rules/tcpstat.rules.yml`);
