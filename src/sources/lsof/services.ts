import { servicePort as lookup, type ServiceTable } from "../../lib/services.js";

/**
 * Port numbers for the service names lsof prints when run without -P (`*:ssh`, `localhost:domain`):
 * looked up in the services table (src/lib/services.ts). A name not listed stays unreadable and
 * is reported, never guessed.
 */
export function servicePort(text: string, proto?: string, table?: ServiceTable): number | undefined {
  return lookup(text, proto, table);
}
