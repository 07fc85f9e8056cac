/**
 * FreeBSD `netstat -an` and `netstat -AanP` share BSD netstat's layout with macOS
 * (`tcp4  0  0  *.22  *.*  LISTEN`; -A adds a leading Tcpcb column, -P a trailing Log ID):
 * the same header-driven parser reads both; the UNIX-domain section is skipped.
 * The collector and the replay call parseBsdNetstat; this name stays for the tests that use it.
 */
export { parseBsdNetstat as parseFreebsdNetstat } from "../macos-netstat/parse-netstat-anv.js";
