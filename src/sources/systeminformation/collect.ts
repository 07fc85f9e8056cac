import { TcpstatError } from "../../errors.js";
import type { Family, Problem, Proto, SocketRecord } from "../../model/socket.js";
import { canonicalState } from "../../model/state.js";
import { select, type CommandCollectOptions, type CommandCollectResult } from "../command-collect.js";
import { emptyRecord, familyOf, isWildcardHost, normalizeAddress, readPort } from "../text-endpoint.js";

/**
 * The fallback source for systems tcpstat has no native reader for: the `systeminformation`
 * package's networkConnections(), loaded only when this source runs (it stays outside the bundle).
 * Its rows look like
 *
 *   { protocol: "tcp6", localAddress: "::", localPort: "22", peerAddress: "::", peerPort: "*",
 *     state: "LISTEN", pid: 600, process: "sshd" }
 *
 * and are normalized into the same record: protocol suffix or address gives the family,
 * wildcard peers become null, states go through the alias table. It reports no queues or inodes.
 * On Linux it lists TCP sockets and connected UDP only (it keeps rows that carry a state).
 */

export interface SiConnection {
  protocol: string;
  localAddress: string;
  localPort: string | number;
  peerAddress: string;
  peerPort: string | number;
  state: string;
  pid: number | null;
  process: string;
}

type NetworkConnections = () => Promise<SiConnection[]>;

export interface SiCollectOptions extends Omit<CommandCollectOptions, "exec"> {
  /** Seam for tests: the networkConnections function to call. */
  networkConnections?: NetworkConnections;
}

async function loadNetworkConnections(): Promise<NetworkConnections> {
  try {
    const mod = (await import("systeminformation")) as unknown as { networkConnections?: NetworkConnections; default?: { networkConnections: NetworkConnections } };
    const fn = mod.networkConnections ?? mod.default?.networkConnections;
    if (!fn) throw new Error("networkConnections missing");
    return fn;
  } catch (error) {
    throw new TcpstatError(
      `the systeminformation package could not be loaded (${(error as Error).message})`,
      "install it next to tcpstat: npm install systeminformation",
    );
  }
}

/** One systeminformation row as a record, or the reason it cannot be read. */
export function normalizeSiConnection(c: SiConnection): SocketRecord | string {
  const m = /^(tcp|udp)(4|6|46)?$/i.exec(String(c.protocol).trim());
  if (!m) return `unknown protocol '${c.protocol}'`;
  const proto = (m[1] as string).toLowerCase() as Proto;
  const suffix = m[2];
  const family: Family = suffix === "4" ? "ipv4" : suffix ? "ipv6" : (familyOf(c.localAddress || "") ?? familyOf(c.peerAddress || "") ?? "ipv4");
  const localAddress = normalizeAddress(c.localAddress || "*", family);
  const localPort = readPort(String(c.localPort));
  if (localAddress === null || localPort === undefined || localPort === null) return `unreadable local endpoint '${c.localAddress}:${c.localPort}'`;
  const r = emptyRecord({ proto, family, localAddress, localPort });
  const peerPort = readPort(String(c.peerPort));
  const noPeer = !c.peerAddress || (isWildcardHost(c.peerAddress) && (peerPort === null || peerPort === 0));
  if (!noPeer) {
    const peer = normalizeAddress(c.peerAddress, family);
    if (peer === null || peerPort === undefined) return `unreadable peer endpoint '${c.peerAddress}:${c.peerPort}'`;
    r.remoteAddress = peer;
    r.remotePort = peerPort;
  }
  if (proto === "tcp") {
    const state = canonicalState(c.state ?? "");
    if (!state) return `unknown TCP state '${c.state}'`;
    r.state = state;
  }
  r.pid = typeof c.pid === "number" && Number.isSafeInteger(c.pid) && c.pid > 0 ? c.pid : null;
  r.process = c.process ? c.process : null;
  return r;
}

export async function collectSystemInformation(o: SiCollectOptions): Promise<CommandCollectResult> {
  const networkConnections = o.networkConnections ?? (await loadNetworkConnections());
  const rows = await networkConnections();
  const records: SocketRecord[] = [];
  const problems: Problem[] = [];
  rows.forEach((row, i) => {
    const r = normalizeSiConnection(row);
    if (typeof r === "string") problems.push({ source: "systeminformation", line: i + 1, text: JSON.stringify(row), reason: r });
    else records.push(r);
  });
  const notices: string[] = [];
  if (o.protos.includes("udp") && process.platform === "linux")
    notices.push("the systeminformation source lists only connected UDP sockets on Linux; use --source procfs for all");
  return { records: select(records, o), problems, notices };
}
