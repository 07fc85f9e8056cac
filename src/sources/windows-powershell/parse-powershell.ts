import { z } from "zod";
import type { ParseResult, Problem, SocketRecord } from "../../model/socket.js";
import type { TcpState } from "../../model/state.js";
import { canonicalAddress } from "../windows-netstat/address.js";
import { MIB_TCP_STATES, POWERSHELL_TCP_STATES } from "../windows-netstat/state-words.js";
import { keepChecked } from "../../lib/record-guard.js";
import { endpointRecord } from "../text-endpoint.js";
import { TcpstatError } from "../../errors.js";

/**
 * Parser for Get-NetTCPConnection / Get-NetUDPEndpoint as JSON: the same in every display
 * language, and it carries each socket's creation time. Accepts tcpstat's own envelope
 *
 *   {"tcp":[{"LocalAddress":"0.0.0.0","LocalPort":135,"RemoteAddress":"0.0.0.0","RemotePort":0,
 *            "State":2,"OwningProcess":1712,"CreationTime":"2026-11-20T08:01:02.0000000Z"}],
 *    "udp":[{"LocalAddress":"::","LocalPort":5353,"OwningProcess":3404,"CreationTime":"/Date(1763625662000)/"}],
 *    "processes":[{"Id":1712,"ProcessName":"svchost"}]}
 *
 * -> tcp ipv4 0.0.0.0:135 LISTEN pid 1712 "svchost" createdAt 2026-11-20T08:01:02.000Z;
 *    udp ipv6 :::5353 pid 3404,
 * and a user's own `Get-NetTCPConnection | ConvertTo-Json` (an array, or one object): rows with a
 * State or RemoteAddress are TCP, the others UDP. State comes as the enum number (MIB_TCP_STATE,
 * 100 = Bound) or its name (-EnumsAsStrings). CreationTime comes as ISO 8601 (PowerShell 7),
 * "\/Date(ms)\/" (Windows PowerShell 5.1) or a DateTime object with a DateTime string.
 */

const Endpoint = z
  .object({
    LocalAddress: z.string(),
    LocalPort: z.number().int().min(0).max(65535),
    RemoteAddress: z.string().nullish(),
    RemotePort: z.number().int().min(0).max(65535).nullish(),
    State: z.union([z.number(), z.string()]).nullish(),
    OwningProcess: z.number().int().nonnegative().nullish(),
    CreationTime: z.unknown().optional(),
  })
  .loose();
type Endpoint = z.infer<typeof Endpoint>;

const Process = z.object({ Id: z.number().int(), ProcessName: z.string() }).loose();
const Envelope = z.object({ tcp: z.unknown().optional(), udp: z.unknown().optional(), processes: z.unknown().optional() });

const asArray = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

/** ISO 8601 text for the ways ConvertTo-Json writes a DateTime, or undefined. */
export function creationTime(value: unknown): string | undefined {
  if (value && typeof value === "object" && "DateTime" in value) value = (value as { value?: unknown }).value ?? undefined;
  if (typeof value === "number") return new Date(value).toISOString();
  if (typeof value !== "string" || value === "") return undefined;
  const ms = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(value);
  const date = ms ? new Date(Number(ms[1])) : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function tcpState(value: unknown): TcpState | undefined {
  if (typeof value === "number") return MIB_TCP_STATES[value];
  if (typeof value === "string") return POWERSHELL_TCP_STATES[value] ?? (/^\d+$/.test(value) ? MIB_TCP_STATES[Number(value)] : undefined);
  return undefined;
}

/**
 * Deepest nesting a capture may have. Get-NetTCPConnection | ConvertTo-Json nests 4 levels
 * ({"tcp":[{..., "CimInstanceProperties": [...]}]}); ConvertTo-Json itself stops at 100. A
 * document nested a hundred thousand levels overflowed the stack further on (issue 22).
 */
export const MAX_JSON_DEPTH = 100;

/** How deep `text`'s arrays and objects nest, counted in one pass (strings skipped), stopping past `limit`. */
function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

export function parsePowershell(text: string, source = "powershell"): ParseResult & { notices: string[] } {
  if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
    throw new TcpstatError(
      `${source}: PowerShell JSON nested more than ${MAX_JSON_DEPTH} levels deep, deeper than any capture`,
      "give the output of Get-NetTCPConnection | ConvertTo-Json as PowerShell writes it",
    );
  const records: SocketRecord[] = [];
  let unknownStates = 0;
  const problems: Problem[] = [];
  const fail = (line: number, shown: string, reason: string) => problems.push({ source, line, text: shown.slice(0, 200), reason });

  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    // Line numbers are 1-based: the first line that holds anything.
    const lines = text.split("\n");
    const at = Math.max(0, lines.findIndex((l) => l.trim() !== ""));
    fail(at + 1, (lines[at] ?? "").trim(), `not JSON: ${(error as Error).message}`);
    return { records, problems, notices: [] };
  }
  const envelope = Envelope.safeParse(json);
  const isEnvelope = envelope.success && !Array.isArray(json) && ("tcp" in (json as object) || "udp" in (json as object));
  const rows: Array<{ proto?: "tcp" | "udp"; value: unknown }> = isEnvelope
    ? [
        ...asArray(envelope.data.tcp).map((value) => ({ proto: "tcp" as const, value })),
        ...asArray(envelope.data.udp).map((value) => ({ proto: "udp" as const, value })),
      ]
    : asArray(json).map((value) => ({ value }));
  const names = new Map<number, string>();
  if (isEnvelope)
    for (const p of asArray(envelope.data.processes)) {
      const parsed = Process.safeParse(p);
      if (parsed.success) names.set(parsed.data.Id, parsed.data.ProcessName);
    }

  rows.forEach(({ proto: given, value }, index) => {
    const parsed = Endpoint.safeParse(value);
    const shown = JSON.stringify(value) ?? "";
    if (!parsed.success) return fail(index + 1, shown, `not a socket entry: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    const e: Endpoint = parsed.data;
    const proto = given ?? (e.State != null || e.RemoteAddress != null ? "tcp" : "udp");
    const local = canonicalAddress(e.LocalAddress);
    if (!local) return fail(index + 1, shown, `unreadable LocalAddress '${e.LocalAddress}'`);
    const remote = proto === "tcp" && e.RemoteAddress ? canonicalAddress(e.RemoteAddress) : null;
    let state: TcpState | null = null;
    if (proto === "tcp") {
      state = tcpState(e.State) ?? null;
      // Kept with no state, and said once: a row kept is not a skipped line.
      if (state === null) unknownStates++;
    }
    const hasPeer = proto === "tcp" && remote !== null && (e.RemotePort ?? 0) !== 0;
    const pid = e.OwningProcess ? e.OwningProcess : null;
    const record = endpointRecord(proto, local.family, {
      localAddress: local.address,
      localPort: e.LocalPort,
      remoteAddress: hasPeer ? remote!.address : null,
      remotePort: hasPeer ? (e.RemotePort ?? null) : null,
    });
    record.state = state;
    record.pid = pid;
    record.process = pid === null ? null : (names.get(pid) ?? null);
    const created = creationTime(e.CreationTime);
    if (created) record.createdAt = created;
    keepChecked(record, { records, problems }, { source, line: index + 1, text: shown.slice(0, 200) });
  });
  const notices = unknownStates > 0 ? [`${unknownStates} TCP row(s) have a State tcpstat does not know; they are listed with no state`] : [];
  return { records, problems, notices };
}
