import type { ParseResult, Problem, Proto, SocketRecord } from "../../model/socket.js";
import { numberedLines, problem } from "../text-endpoint.js";
import { NAMED_NOTICE, readLsofSocket } from "./parse-lsof-name.js";
import { keepChecked } from "../../lib/record-guard.js";

/**
 * lsof's column view, for replaying what people paste (`lsof -nP -iTCP`, `sudo lsof | grep IPv4`):
 *
 *   COMMAND   PID  TID  USER  FD  TYPE  DEVICE  SIZE/OFF  NODE  NAME
 *   AvidLink  47756     adit  49u IPv4  0xe04.. 0t0       TCP   192.168.1.95:65445->104.109.251.234:80 (ESTABLISHED)
 *   -> tcp ipv4 192.168.1.95:65445 <-> 104.109.251.234:80 ESTABLISHED pid 47756 "AvidLink"
 *
 * Rows are anchored on the TYPE (IPv4/IPv6) and NODE (TCP/UDP) tokens, so a missing header
 * (grep), a TID column (Linux threads) and right-aligned DEVICE widths all read the same.
 * A socket repeated for every thread (TID filled) or shared by processes (same DEVICE) is one
 * record, kept with its first pid.
 */

export interface LsofColumnOptions {
  source?: string;
}

const ROW = /^(\S+(?:\s\S+)*?)\s+(\d+)\s+(?:(\d+)\s+)?(\S+)\s+(\S+)\s+(IPv4|IPv6)\s+(\S+)\s+(\S+)\s+(TCP|UDP)\s+(\S+)(?:\s+\(([^)]*)\))?\s*$/;

export function parseLsofColumns(text: string, options: LsofColumnOptions = {}): ParseResult & { notices: string[] } {
  const source = options.source ?? "lsof";
  const records: SocketRecord[] = [];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  let named = 0;
  for (const [n, line] of numberedLines(text)) {
    if (line.trim() === "" || /^COMMAND\s+PID\b/.test(line)) continue;
    const m = ROW.exec(line);
    if (!m) {
      // Other file types (REG, unix, sock, IPv4 raw ...) are not TCP/UDP sockets.
      if (/\s(IPv4|IPv6)\s/.test(line) && /\s(TCP|UDP)\s/.test(line)) problems.push(problem(source, n, line, "unreadable lsof row"));
      else if (!/^\S+\s+\d+\s/.test(line.trimStart())) problems.push(problem(source, n, line, "not an lsof row"));
      continue;
    }
    const [, command, pidText, , user, , type, device, , proto, name, state] = m;
    const key = `${device}|${proto}|${name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const read = readLsofSocket({
      proto: (proto as string).toLowerCase() as Proto,
      type,
      name: name as string,
      stateWord: proto === "TCP" ? state : undefined,
      pid: Number(pidText) || null,
      // lsof escapes unprintable bytes and spaces in COMMAND: "web\x20se" is "web se".
      process: (command as string).trim().replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
      user: /^\d+$/.test(user as string) ? null : (user as string),
      uid: /^\d+$/.test(user as string) ? Number(user) : null,
    });
    if (typeof read === "string") {
      problems.push(problem(source, n, line, read));
      continue;
    }
    if (keepChecked(read.record, { records, problems }, { source, line: n, text: line }) && read.named) named++;
  }
  return { records, problems, notices: named > 0 ? [NAMED_NOTICE(named)] : [] };
}
