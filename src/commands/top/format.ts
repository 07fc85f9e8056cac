import { endpointHost, formatEndpoint } from "../../lib/endpoint.js";
import { ownerName } from "../../lib/owners.js";
import { safeText } from "../../lib/safe-text.js";
import type { SocketRecord } from "../../model/socket.js";

/** Small texts of the screen, pure. */

/** Bytes a second, short: 0, 950, 12.3k, 4.1M, 2.0G; "-" when unknown. */
export function formatRate(bps: number | null): string {
  if (bps === null) return "-";
  if (bps < 1000) return String(Math.round(bps));
  const units = ["k", "M", "G", "T"];
  let v = bps;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[u]}`;
}

/** "2502/nginx +3", "-" for none; control characters escaped. */
export function holderText(r: SocketRecord): string {
  if (r.pid === null) return "-";
  return `${r.pid}/${safeText(ownerName(r.process ?? "?", r))}`;
}

/** What a row shows for holders not read yet (a socket newer than the last holder scan). */
export const HOLDERS_PENDING = "(reading)";

/** The name a process is counted under in the header and in groups. */
export const processLabel = (r: SocketRecord): string => (r.pid === null ? "(no process)" : safeText(r.process ?? `pid ${r.pid}`));

/** "127.0.0.1:443", or with `r`'s names where found: "localhost:https" (as the table's -r). */
export function localText(r: SocketRecord): string {
  if (r.localHost === undefined && r.localService === undefined) return formatEndpoint(r.localAddress, r.localPort, r.family);
  return `${r.localHost !== undefined ? safeText(r.localHost) : endpointHost(r.localAddress, r.family)}:${r.localService !== undefined ? safeText(r.localService) : r.localPort}`;
}

export function remoteText(r: SocketRecord): string {
  if (r.remoteHost === undefined && r.remoteService === undefined) return formatEndpoint(r.remoteAddress, r.remotePort, r.family);
  const port = r.remoteService !== undefined ? safeText(r.remoteService) : r.remotePort === null ? "*" : String(r.remotePort);
  return `${r.remoteHost !== undefined ? safeText(r.remoteHost) : endpointHost(r.remoteAddress, r.family)}:${port}`;
}

/** The state word of the listing: TCP's state, UNCONN / ESTAB-like for UDP. */
export const stateText = (r: SocketRecord): string => r.state ?? (r.remotePort === null ? "UNCONN" : "CONNECTED");

/** Milliseconds as the header shows them. */
export const formatMs = (ms: number): string => (ms < 10 ? ms.toFixed(1) : String(Math.round(ms)));

/** Seconds: "1 s", "2.5 s". */
export const formatSeconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;
