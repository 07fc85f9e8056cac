import type { ServiceTable } from "../../lib/services.js";
import type { ParseResult, Problem, Proto, SocketRecord } from "../../model/socket.js";
import { numberedLines, problem } from "../text-endpoint.js";
import { NAMED_NOTICE, readLsofSocket } from "./parse-lsof-name.js";
import { keepChecked } from "../../lib/record-guard.js";
import { badHolder, setOwners } from "../../lib/owners.js";

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
 * record with every holding process in `owners` (src/lib/owners.ts picks the one shown).
 */

export interface LsofColumnOptions {
  source?: string;
  services?: ServiceTable;
}

/**
 * `lsof -E` / `+E` (Linux, lsof 4.90+) puts the other end's `PID,COMMAND,FD` list between the
 * name and the state when both ends are on this host; lsof escapes spaces in COMMAND (\x20):
 *   nc  4242 u  3u IPv4 81234 0t0 TCP 127.0.0.2:9999->127.0.0.1:10000 4241,nc,3u (ESTABLISHED)
 */
const ENDPOINTS = String.raw`(?:\s+\d+,[^\s,]*,\d*[a-zA-Z]*)*`;
const ROW = new RegExp(
  String.raw`^(\S+(?:\s\S+)*?)\s+(\d+)\s+(?:(\d+)\s+)?(\S+)\s+(\S+)\s+(IPv4|IPv6)\s+(\S+)\s+(\S+)\s+(TCP|UDP)\s+(\S+)` +
    ENDPOINTS +
    String.raw`(?:\s+\(([^)]*)\))?\s*$`,
);

export function parseLsofColumns(text: string, options: LsofColumnOptions = {}): ParseResult & { notices: string[] } {
  const source = options.source ?? "lsof";
  const records: SocketRecord[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, SocketRecord>();
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
    const [, command, pidText, , user, fdText, type, device, , proto, name, state] = m;
    const key = `${device}|${proto}|${name}`;
    const pid = Number(pidText) || null;
    // lsof escapes unprintable bytes and spaces in COMMAND: "web\x20se" is "web se".
    const process = (command as string).trim().replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    const login = /^\d+$/.test(user as string) ? null : (user as string);
    const fd = /^\d+/.exec(fdText as string);
    const holder = pid === null ? null : { pid, process, user: login, fd: fd ? Number(fd[0]) : null };
    const earlier = seen.get(key);
    if (earlier) {
      // Another thread of the same process (TID) adds nothing; another process is one more holder.
      const bad = holder && badHolder(holder);
      if (bad) problems.push(problem(source, n, line, bad));
      else if (holder) setOwners(earlier, [...(earlier.owners ?? []), holder]);
      continue;
    }
    const read = readLsofSocket({
      proto: (proto as string).toLowerCase() as Proto,
      type,
      name: name as string,
      stateWord: proto === "TCP" ? state : undefined,
      pid,
      process,
      user: login,
      uid: /^\d+$/.test(user as string) ? Number(user) : null,
    }, options.services);
    if (typeof read === "string") {
      problems.push(problem(source, n, line, read));
      continue;
    }
    if (holder) setOwners(read.record, [holder]);
    if (!keepChecked(read.record, { records, problems }, { source, line: n, text: line })) continue;
    seen.set(key, read.record);
    if (read.named) named++;
  }
  return { records, problems, notices: named > 0 ? [NAMED_NOTICE(named)] : [] };
}
