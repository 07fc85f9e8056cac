import { servicePort } from "../../lib/services.js";
import { readPort } from "../text-endpoint.js";

/**
 * Port numbers for the service names netstat prints without -n ("router:domain", "api:https").
 * Windows reads them from %SystemRoot%\System32\drivers\etc\services, which follows the IANA
 * registry: the built-in table of src/lib/services.ts holds its entries.
 */

/** Port for a numeric or named port text; undefined when neither. */
export function portNumber(text: string): number | undefined {
  const port = readPort(text);
  // "*" (null) is no port here; digits past 65535 (undefined) name no service either.
  if (port !== undefined) return port ?? undefined;
  return servicePort(text);
}
