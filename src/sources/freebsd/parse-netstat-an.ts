import { parseBsdNetstat, type BsdNetstatResult } from "../macos-netstat/parse-netstat-anv.js";

/**
 * FreeBSD `netstat -an` and `netstat -AanP` share BSD netstat's layout with macOS
 * (`tcp4  0  0  *.22  *.*  LISTEN`; -A adds a leading Tcpcb column, -P a trailing Log ID):
 * the same header-driven parser reads both; the UNIX-domain section is skipped.
 */
export function parseFreebsdNetstat(text: string, options: { source?: string } = {}): BsdNetstatResult {
  return parseBsdNetstat(text, { source: options.source ?? "netstat" });
}
