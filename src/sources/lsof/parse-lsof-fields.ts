import type { ServiceTable } from "../../lib/services.js";
import type { ParseResult, Problem, Proto, SocketRecord } from "../../model/socket.js";
import { problem } from "../text-endpoint.js";
import { NAMED_NOTICE, readLsofSocket, type LsofSocket } from "./parse-lsof-name.js";
import { keepChecked } from "../../lib/record-guard.js";
import { badHolder, setOwners } from "../../lib/owners.js";

/**
 * lsof field output (`lsof -nP -iTCP -iUDP -F pcnPtTf`, any field set, also `-F0`):
 * one field a line, its first character the tag. A `p` line starts a process, an `f` line
 * one of its files; the fields after it describe that file (lsof(8), "OUTPUT FOR OTHER PROGRAMS").
 *
 *   p967          pid          f10    fd
 *   crapportd     command      tIPv6  type
 *   u501 / Ljo    uid / login  PTCP   protocol
 *                              n*:56966       name
 *                              TST=LISTEN     TCP state (TQR/TQS queues)
 *   -> tcp ipv6 :::56966 LISTEN pid 967 "rapportd"
 *
 * Files that are not TCP or UDP sockets make no record. One socket seen through several fds
 * or processes (same device `d`, after fork or dup) is one record with every holder in
 * `owners` (src/lib/owners.ts picks the one shown).
 */

export interface LsofFieldOptions {
  source?: string;
  services?: ServiceTable;
}

interface FileFields {
  line: number;
  text: string;
  type?: string;
  proto?: string;
  name?: string;
  state?: string;
  device?: string;
  recvQ?: number;
  sendQ?: number;
  /** The descriptor number ("f10"); undefined for cwd, txt, mem, ... */
  fd?: number;
}

export function parseLsofFields(text: string, options: LsofFieldOptions = {}): ParseResult & { notices: string[] } {
  const source = options.source ?? "lsof -F";
  const records: SocketRecord[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, SocketRecord>();
  let named = 0;
  let pid: number | null = null;
  let command: string | null = null;
  let login: string | null = null;
  let uid: number | null = null;
  let file: FileFields | null = null;

  const flush = () => {
    const f = file;
    file = null;
    if (!f || (f.proto !== "TCP" && f.proto !== "UDP") || f.name === undefined) return;
    const key = f.device;
    const holder = pid === null ? null : { pid, process: command, user: login, fd: f.fd ?? null };
    const earlier = key === undefined ? undefined : seen.get(key);
    if (earlier) {
      const bad = holder && badHolder(holder);
      if (bad) problems.push(problem(source, f.line, f.text, bad));
      else if (holder) setOwners(earlier, [...(earlier.owners ?? []), holder]);
      return;
    }
    const s: LsofSocket = {
      proto: f.proto.toLowerCase() as Proto,
      type: f.type,
      name: f.name,
      stateWord: f.state,
      pid,
      process: command,
      user: login,
      uid,
    };
    const read = readLsofSocket(s, options.services);
    if (typeof read === "string") {
      problems.push(problem(source, f.line, f.text, read));
      return;
    }
    if (f.recvQ !== undefined) read.record.recvQ = f.recvQ;
    if (f.sendQ !== undefined) read.record.sendQ = f.sendQ;
    if (holder) setOwners(read.record, [holder]);
    if (!keepChecked(read.record, { records, problems }, { source, line: f.line, text: f.text })) return;
    if (key !== undefined) seen.set(key, read.record);
    if (read.named) named++;
  };

  // -F0 ends each field with NUL instead of a newline.
  const lines = text.split(/\r?\n|\0/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === "") continue;
    const tag = line[0];
    const value = line.slice(1);
    switch (tag) {
      case "p":
        flush();
        if (!/^\d+$/.test(value)) {
          problems.push(problem(source, i + 1, line, "unreadable pid field"));
          pid = null;
        } else pid = Number(value) || null;
        command = login = null;
        uid = null;
        break;
      case "c":
        if (!file) command = value;
        break;
      case "L":
        if (!file) login = value;
        break;
      case "u":
        if (!file && /^\d+$/.test(value)) uid = Number(value);
        break;
      case "f":
        flush();
        file = { line: i + 1, text: line, fd: /^\d+$/.test(value) ? Number(value) : undefined };
        break;
      case "t":
        if (file) file.type = value;
        break;
      case "P":
        if (file) file.proto = value;
        break;
      case "n":
        if (file) {
          file.name = value;
          file.line = i + 1;
          file.text = line;
        }
        break;
      case "d":
        if (file) file.device = value;
        break;
      case "T":
        if (file) {
          const [k, v = ""] = value.split("=");
          if (k === "ST") file.state = v;
          else if (k === "QR" && /^\d+$/.test(v)) file.recvQ = Number(v);
          else if (k === "QS" && /^\d+$/.test(v)) file.sendQ = Number(v);
        }
        break;
      default:
        // Other documented fields (g R a l G o s i k K S ...) say nothing about the socket.
        if (!/^[a-zA-Z]$/.test(tag ?? "")) problems.push(problem(source, i + 1, line, "not an lsof field line"));
    }
  }
  flush();
  return { records, problems, notices: named > 0 ? [NAMED_NOTICE(named)] : [] };
}
