// Removes everything the build generates, so `npm pack` (prepack) ships a fresh build
// and no stale chunk left behind by an older build.
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
for (const path of ["dist", "schema", "rules", "tcpstat.1"]) rmSync(`${root}/${path}`, { recursive: true, force: true });
