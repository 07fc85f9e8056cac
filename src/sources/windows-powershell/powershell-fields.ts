import type { ParseResult, Problem, SocketRecord } from "../../model/socket.js";
import type { TcpState } from "../../model/state.js";
import { keepChecked } from "../../lib/record-guard.js";
import { canonicalAddress } from "../windows-netstat/address.js";
import { MIB_TCP_STATES, POWERSHELL_TCP_STATES } from "../windows-netstat/state-words.js";
import { endpointRecord } from "../text-endpoint.js";

/**
 * One socket as PowerShell's text views print it (a table row or a Format-List block), made a
 * record. Fields come keyed by property name, lower case without spaces:
 *
 *   { localaddress: "0.0.0.0", localport: "135", remoteaddress: "0.0.0.0", remoteport: "0",
 *     state: "Listen", appliedsetting: "", owningprocess: "1012" }
 *   -> tcp ipv4 0.0.0.0:135 LISTEN pid 1012
 *
 * A view with a State or RemoteAddress column is Get-NetTCPConnection's, else Get-NetUDPEndpoint's
 * (the same rule as for ConvertTo-Json). States are the TcpState enum names PowerShell prints
 * (Listen, TimeWait, Bound ...: POWERSHELL_TCP_STATES) or its numbers. CreationTime is left out:
 * the views print it in the console's locale and time zone, which the text does not name.
 */

export type Fields = ReadonlyMap<string, string>;

/** Calculated columns people add with Select-Object for the owner's name. */
const PROCESS_KEYS = ["processname", "process", "procname", "program", "name"];

/** PowerShell 5.1 ends a cell cut to its column with "...", PowerShell 7 with "…". */
export const isCut = (cell: string): boolean => cell.endsWith("...") || cell.endsWith("…");

export const isTcpView = (keys: Iterable<string>): boolean => {
  for (const k of keys) if (k === "state" || k === "remoteaddress") return true;
  return false;
};

/** TcpState enum names in any case (a hand-typed or re-cased paste: `listen`, `TIMEWAIT`). */
const BY_LOWER = new Map(Object.entries(POWERSHELL_TCP_STATES).map(([word, state]) => [word.toLowerCase(), state]));

function tcpState(text: string): TcpState | undefined {
  return BY_LOWER.get(text.toLowerCase()) ?? (/^\d+$/.test(text) ? MIB_TCP_STATES[Number(text)] : undefined);
}

const portOf = (text: string | undefined): number | undefined =>
  text !== undefined && /^\d{1,5}$/.test(text) && Number(text) <= 65535 ? Number(text) : undefined;

/**
 * What a kept row lacks, counted by kind for one notice each: a row kept is not a skipped line,
 * so these are not problems.
 */
export type Gaps = Map<string, number>;

const GAP_NOTICES: Readonly<Record<string, (n: number) => string>> = {
  state: (n) => `${n} TCP row(s) have a State tcpstat does not know; they are listed with no state`,
  remoteCut: (n) => `${n} row(s) have a RemoteAddress cut to the console's width; they are listed with no peer (capture with ConvertTo-Json or a wider console)`,
  remote: (n) => `${n} row(s) have a RemoteAddress that is no address; they are listed with no peer`,
  pid: (n) => `${n} row(s) have an OwningProcess that is no number; they are listed with no pid`,
};

export const gapNotices = (gaps: Gaps): string[] => [...gaps].map(([kind, n]) => (GAP_NOTICES[kind] as (n: number) => string)(n));

/** Adds the record of one row or block to `out`, or a problem when it cannot be one. `at` locates it. */
export function addSocket(fields: Fields, tcp: boolean, out: ParseResult, at: Omit<Problem, "reason">, gaps: Gaps): void {
  const fail = (reason: string): void => {
    out.problems.push({ ...at, reason });
  };
  const localText = fields.get("localaddress") ?? "";
  if (isCut(localText)) return fail(`LocalAddress '${localText}' was cut to the console's width; capture with ConvertTo-Json or a wider console`);
  const local = canonicalAddress(localText);
  if (!local) return fail(`unreadable LocalAddress '${localText}'`);
  const localPort = portOf(fields.get("localport"));
  if (localPort === undefined) return fail(`unreadable LocalPort '${fields.get("localport") ?? ""}'`);

  let remoteAddress: string | null = null;
  let remotePort: number | null = null;
  let state: TcpState | null = null;
  const issues: Array<keyof typeof GAP_NOTICES> = [];
  if (tcp) {
    const remoteText = fields.get("remoteaddress") ?? "";
    const port = portOf(fields.get("remoteport"));
    if (isCut(remoteText)) issues.push("remoteCut");
    else if (remoteText !== "" && port !== undefined && port !== 0) {
      const remote = canonicalAddress(remoteText);
      if (remote) {
        remoteAddress = remote.address;
        remotePort = port;
      } else issues.push("remote");
    }
    const stateText = fields.get("state") ?? "";
    state = tcpState(stateText) ?? null;
    if (state === null && fields.has("state") && stateText !== "") issues.push("state");
  }

  const record: SocketRecord = endpointRecord(tcp ? "tcp" : "udp", local.family, { localAddress: local.address, localPort, remoteAddress, remotePort });
  record.state = state;
  const pidText = fields.get("owningprocess") ?? "";
  if (/^\d+$/.test(pidText)) record.pid = Number(pidText) === 0 ? null : Number(pidText);
  else if (pidText !== "") issues.push("pid");
  const name = PROCESS_KEYS.map((k) => fields.get(k)).find((v) => v !== undefined && v !== "");
  if (name !== undefined && !isCut(name)) record.process = name;
  if (keepChecked(record, out, at)) for (const issue of issues) gaps.set(issue, (gaps.get(issue) ?? 0) + 1);
}
