import { readFileSync } from "node:fs";
import { lazyServices, type ServiceTable } from "./services.js";

/**
 * This machine's services database (/etc/services), read only when a replayed capture names a
 * port (a capture made without -n); the built-in IANA names stand in for a missing file or name.
 */
export function systemServices(path = "/etc/services"): ServiceTable {
  return lazyServices(() => readFileSync(path, "utf8"));
}
