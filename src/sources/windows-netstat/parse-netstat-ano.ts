import type { Family, ParseResult, Problem, SocketRecord } from "../../model/socket.js";
import type { TcpState } from "../../model/state.js";
import { canonicalAddress } from "./address.js";
import { portNumber } from "./services.js";
import { windowsState } from "./state-words.js";
import { keepChecked } from "../../lib/record-guard.js";
import { endpointRecord } from "../text-endpoint.js";

/**
 * Parser for Windows `netstat -ano`, `-an`, `-anob` and plain `netstat` (resolved names), in any
 * display language. Rows are read by their tokens, never by column positions: headers are
 * translated and CJK headers are double width, so header offsets mean nothing.
 *
 *   Active Connections                                               <- banner: skipped
 *     Proto  Local Address          Foreign Address        State           PID   <- header: skipped
 *     TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1712
 *     RpcSs                                                          <- -b: service, ignored
 *    [svchost.exe]                                                   <- -b: process of the row above
 *     TCP    [fe80::1%12]:49664     [::]:0                 ABHÖREN         980
 *     UDP    0.0.0.0:5353           *:*                                    14156
 *
 * -> tcp ipv4 0.0.0.0:135 LISTEN pid 1712 "svchost.exe"; tcp ipv6 fe80::1%12:49664 LISTEN pid 980;
 *    udp ipv4 0.0.0.0:5353 pid 14156.
 *
 * The state may be several words (IN ASCOLTO); a trailing number is the PID. PID 0 (TIME_WAIT,
 * sockets no process owns) becomes null. A peer with port 0 or `*:*` means no peer. An unknown
 * state word on a TCP row without a peer is LISTEN (nothing else has no peer); any other unknown
 * word keeps the row, with state null, and is reported as a problem.
 */

export interface NetstatAnoOptions {
  /** Name used in problem reports. */
  source?: string;
}

const PROTO = /^(TCP|UDP)(V6)?$/i;
/** Something shaped like an endpoint: a line carrying one is a socket row gone wrong, not a header. */
const ENDPOINT_LIKE = /(^|\s)(\d{1,3}(\.\d{1,3}){3}|\[[0-9A-Fa-f:.%]+\]):\d+(\s|$)/;

/**
 * `netstat -t` offload states (TCP_CONNECTION_OFFLOAD_STATE, tcpmib.h: InHost, Offloading,
 * Offloaded, Uploading), printed after the state. netstat prints them in English in every
 * display language seen so far (German `HERGESTELLT     InHost` in issue 16; a published Simplified
 * Chinese `netstat -t` under the header 卸载状态 prints `ESTABLISHED     InHost`). People used to
 * Linux type `netstat -ant` on Windows, which is how most captures with this column come about.
 */
const OFFLOAD_WORDS = new Set(["inhost", "offloading", "offloaded", "uploading"]);
const isOffloadWord = (word: string | undefined): boolean => word !== undefined && OFFLOAD_WORDS.has(word.toLowerCase());

/** A line where the author cut the paste: `...`, `[...]`, `…`, `[ … ]`, `<snip>`. */
const isElision = (text: string): boolean => /^[[(<]?\s*(\.{2,}|…|snip|cut)\s*[\])>]?$/i.test(text);

type OwnerLine = { kind: "image"; name: string } | { kind: "component" } | { kind: "other" };

/**
 * A `-b` line under a socket row: `[svchost.exe]` names its process; a single word (`RpcSs`,
 * `iphlpsvc`) is the component (service) inside it; anything else (a cut, "Can not obtain
 * ownership information" in any language) is no owner.
 */
function ownerLine(text: string): OwnerLine {
  const image = /^\[(.+)\]$/.exec(text);
  if (image) {
    const name = (image[1] as string).trim();
    return isElision(text) || !/[\p{L}\p{N}]/u.test(name) || /\.\.\.|…/.test(name) ? { kind: "other" } : { kind: "image", name };
  }
  return /^[^\s[\]]+$/.test(text) && !isElision(text) ? { kind: "component" } : { kind: "other" };
}

interface Endpoint {
  host: string;
  port: string;
  bracketed: boolean;
}

/** "a.b.c.d:port", "[v6%zone]:port", "host:service". */
function splitEndpoint(text: string): Endpoint | null {
  if (text.startsWith("[")) {
    const close = text.lastIndexOf("]");
    if (close < 0 || text[close + 1] !== ":") return null;
    return { host: text.slice(1, close), port: text.slice(close + 2), bracketed: true };
  }
  const colon = text.lastIndexOf(":");
  if (colon <= 0 || colon === text.length - 1) return null;
  return { host: text.slice(0, colon), port: text.slice(colon + 1), bracketed: false };
}

interface Row {
  record: SocketRecord;
  /** Parts of the row that could not be read: reported, the row is kept. */
  issues: string[];
}

function readRow(tokens: string[]): Row | string {
  const [protoText = "", localText, remoteText, ...rest] = tokens;
  if (localText === undefined || remoteText === undefined) return "too few columns for a socket row";
  const proto = protoText.toUpperCase().startsWith("TCP") ? "tcp" : "udp";
  const local = splitEndpoint(localText);
  if (!local) return `unreadable local address '${localText}'`;
  const noPeerText = remoteText === "*:*";
  const remote = noPeerText ? null : splitEndpoint(remoteText);
  if (!noPeerText && !remote) return `unreadable foreign address '${remoteText}'`;
  const localPort = portNumber(local.port);
  if (localPort === undefined) return `unknown local port '${local.port}'`;

  const issues: string[] = [];
  const la = canonicalAddress(local.host);
  const ra = remote ? canonicalAddress(remote.host) : null;
  const family: Family =
    /V6$/i.test(protoText) || local.bracketed ? "ipv6" : (la?.family ?? ra?.family ?? (remote?.bracketed ? "ipv6" : "ipv4"));
  // A host name (netstat without -n) or an address netstat printed garbled stays as printed.
  const localAddress = la?.address ?? (local.bracketed ? local.host.toLowerCase() : local.host);

  let remoteAddress: string | null = null;
  let remotePort: number | null = null;
  let peerKnown = true;
  if (remote) {
    const port = portNumber(remote.port);
    if (port === undefined) {
      issues.push(`unknown service name '${remote.port}' in the foreign address`);
      remoteAddress = ra?.address ?? remote.host;
      peerKnown = false;
    } else if (port !== 0) {
      remoteAddress = ra?.address ?? (remote.bracketed ? remote.host.toLowerCase() : remote.host);
      remotePort = port;
    }
  }

  // `-t` adds the offload state after the state, before or after the PID.
  if (isOffloadWord(rest[rest.length - 1])) rest.pop();
  const last = rest[rest.length - 1];
  const pidText = last !== undefined && /^\d+$/.test(last) ? rest.pop() : undefined;
  if (isOffloadWord(rest[rest.length - 1])) rest.pop();
  let state: TcpState | null = null;
  if (proto === "udp") {
    if (rest.length > 0) issues.push(`unexpected '${rest.join(" ")}' in a UDP row`);
  } else {
    const word = rest.join(" ");
    state = (word ? windowsState(word) : undefined) ?? null;
    // An offload word netstat printed in a language not in OFFLOAD_WORDS: a known state before it.
    if (state === null && rest.length >= 2) {
      const before = windowsState(rest.slice(0, -1).join(" "));
      if (before !== undefined) state = before;
    }
    if (state === null) {
      if (remoteAddress === null && peerKnown) state = "LISTEN";
      else issues.push(word ? `unknown TCP state '${word}'` : "TCP row without a state");
    }
  }
  const pid = pidText === undefined || Number(pidText) === 0 ? null : Number(pidText);

  const record = endpointRecord(proto, family, { localAddress, localPort, remoteAddress, remotePort });
  record.state = state;
  record.pid = pid;
  return { record, issues };
}

export function parseNetstatAno(text: string, options: NetstatAnoOptions = {}): ParseResult {
  const source = options.source ?? "netstat";
  const records: SocketRecord[] = [];
  const problems: Problem[] = [];
  const report = (line: number, lineText: string, reason: string) => problems.push({ source, line, text: lineText, reason });
  // The row a `-b` line (service name, [process.exe], "cannot obtain ownership") belongs to.
  let owner: SocketRecord | null = null;

  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const lineText = lines[i] as string;
    const trimmed = lineText.trim();
    if (trimmed === "") {
      owner = null;
      continue;
    }
    const tokens = trimmed.split(/\s+/);
    if (PROTO.test(tokens[0] as string)) {
      const row = readRow(tokens);
      if (typeof row === "string") {
        report(i + 1, lineText, row);
        owner = null;
        continue;
      }
      if (!keepChecked(row.record, { records, problems }, { source, line: i + 1, text: lineText })) {
        owner = null;
        continue;
      }
      for (const issue of row.issues) report(i + 1, lineText, issue);
      owner = row.record;
      continue;
    }
    if (owner) {
      const line = ownerLine(trimmed);
      if (line.kind === "image") owner.process = line.name;
      // The owner block ends at its [image], at a note of several words (ownership unknown, in
      // any language) or at a cut: a later [image] belongs to a row not shown.
      if (line.kind !== "component") owner = null;
      continue;
    }
    if (isElision(trimmed)) continue;
    // Banners and headers in any language are skipped by shape; a line carrying an endpoint is not one.
    if (ENDPOINT_LIKE.test(trimmed)) report(i + 1, lineText, "not a netstat socket row (no TCP/UDP protocol column)");
  }
  return { records, problems };
}
