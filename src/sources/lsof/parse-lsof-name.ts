import type { Family, Proto, SocketRecord } from "../../model/socket.js";
import { canonicalState } from "../../model/state.js";
import type { ServiceTable } from "../../lib/services.js";
import { emptyRecord, familyOf, readHost, readPort, splitColon, type HostPort } from "../text-endpoint.js";
import { servicePort } from "./services.js";

/**
 * The NAME of an lsof network file, shared by the field and the column parsers:
 *
 *   *:8080                              -> listener on the wildcard
 *   192.168.1.95:65445->104.18.42.13:443 -> connection
 *   [fe80:b::8ab:c8a5:2cbf:5005]:53442->...  (macOS KAME scope: interface 11)
 *   localhost:domain, *:ssh             (run without -n -P: host and service names)
 */

export interface LsofSocket {
  proto: Proto;
  /** lsof TYPE (IPv4, IPv6) when the output has it. */
  type?: string;
  name: string;
  /** TCP state word, from `(LISTEN)` or `TST=LISTEN`. */
  stateWord?: string;
  pid: number | null;
  process: string | null;
  user?: string | null;
  uid?: number | null;
}

interface NameResult {
  record: SocketRecord;
  /** The name had host or service names instead of numbers. */
  named: boolean;
}

function readPortText(text: string, proto: Proto, services?: ServiceTable): { port: number | null; named: boolean } | undefined {
  const port = readPort(text);
  if (port !== undefined) return { port, named: false };
  const service = servicePort(text, proto, services);
  return service === undefined ? undefined : { port: service, named: true };
}

/** A record for one lsof socket, or the reason it cannot be read. */
export function readLsofSocket(s: LsofSocket, services?: ServiceTable): NameResult | string {
  const [localText = "", remoteText] = s.name.split("->");
  const local = splitColon(localText);
  const remote: HostPort | null = remoteText === undefined ? null : splitColon(remoteText);
  if (!local || (remoteText !== undefined && !remote)) return `unreadable lsof name '${s.name}'`;
  const family: Family =
    s.type === "IPv6" ? "ipv6" : s.type === "IPv4" ? "ipv4" : (familyOf(local.host) ?? (remote && familyOf(remote.host)) ?? "ipv4");
  const lp = readPortText(local.port, s.proto, services);
  // `*:*` is an unbound socket: the kernel holds port 0 for it.
  if (!lp || (lp.port === null && local.host !== "*")) return `unreadable local port '${local.port}'`;
  const lh = readHost(local.host, family);
  const record = emptyRecord({ proto: s.proto, family, localAddress: lh.address, localPort: lp.port ?? 0 });
  if (lh.name !== undefined) record.localHost = lh.name;
  if (lh.cut) record.truncated = ["localAddress"];
  let named = lp.named || lh.name !== undefined;
  if (remote && !(remote.host === "*" && remote.port === "*")) {
    const rp = readPortText(remote.port, s.proto, services);
    if (!rp) return `unreadable remote port '${remote.port}'`;
    const rh = readHost(remote.host, family);
    record.remoteAddress = rh.address;
    record.remotePort = rp.port;
    if (rh.name !== undefined) record.remoteHost = rh.name;
    if (rh.cut) record.truncated = [...(record.truncated ?? []), "remoteAddress"];
    named ||= rp.named || rh.name !== undefined;
  }
  if (s.proto === "tcp" && s.stateWord !== undefined) {
    const state = canonicalState(s.stateWord);
    if (!state) return `unknown TCP state '${s.stateWord}'`;
    record.state = state;
  }
  record.pid = s.pid;
  record.process = s.process;
  record.user = s.user ?? null;
  record.uid = s.uid ?? null;
  return { record, named };
}

export const NAMED_NOTICE = (n: number) =>
  `${n} lsof row(s) show host or service names instead of numbers; ports were looked up, host names kept as printed (capture with lsof -nP for exact addresses)`;
