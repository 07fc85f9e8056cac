import type { SocketRecord } from "../../model/socket.js";

/**
 * `r`: host and service names, as -r/--resolve finds them (src/lib/resolve-names.ts: the hosts
 * file, then DNS, bounded), asked in the background for the rows on screen only, each address
 * once: a refresh never waits on DNS. Names found are kept for the run (bounded: cleared past
 * MAX_KEPT addresses), and given to each record as localHost/remoteHost/localService/remoteService.
 */
const MAX_KEPT = 20_000;

export class NameBook {
  private hosts = new Map<string, string | null>();
  private services = new Map<string, string>();
  /** Ports (port/proto) already asked, named or not: a known address with a new port is asked again. */
  private ports = new Set<string>();
  private busy = false;
  notice: string | null = null;

  /** Looks up what `records` name that was never asked; resolves true when something new was found. */
  async fill(records: readonly SocketRecord[]): Promise<boolean> {
    if (this.busy) return false;
    const asked = (port: number | null, proto: string) => port === null || port === 0 || this.ports.has(`${port}/${proto}`);
    const fresh = records.filter(
      (r) => !this.hosts.has(r.localAddress) || (r.remoteAddress !== null && !this.hosts.has(r.remoteAddress)) || !asked(r.localPort, r.proto) || !asked(r.remotePort, r.proto),
    );
    if (fresh.length === 0) return false;
    this.busy = true;
    try {
      if (this.hosts.size > MAX_KEPT) this.hosts.clear();
      if (this.ports.size > MAX_KEPT) this.ports.clear();
      const { resolveNames } = await import("../../lib/resolve-names.js");
      const { records: named, notices } = await resolveNames(fresh);
      this.notice = notices[0] ?? null;
      for (const r of named) {
        this.ports.add(`${r.localPort}/${r.proto}`);
        if (r.remotePort !== null) this.ports.add(`${r.remotePort}/${r.proto}`);
        this.hosts.set(r.localAddress, r.localHost ?? null);
        if (r.remoteAddress !== null) this.hosts.set(r.remoteAddress, r.remoteHost ?? null);
        if (r.localService !== undefined) this.services.set(`${r.localPort}/${r.proto}`, r.localService);
        if (r.remoteService !== undefined && r.remotePort !== null) this.services.set(`${r.remotePort}/${r.proto}`, r.remoteService);
      }
      return true;
    } finally {
      this.busy = false;
    }
  }

  /** The record with the names known for it (the same object when none). */
  name(r: SocketRecord): SocketRecord {
    const lh = this.hosts.get(r.localAddress) ?? undefined;
    const rh = r.remoteAddress === null ? undefined : (this.hosts.get(r.remoteAddress) ?? undefined);
    const ls = this.services.get(`${r.localPort}/${r.proto}`);
    const rs = r.remotePort === null || r.remotePort === 0 ? undefined : this.services.get(`${r.remotePort}/${r.proto}`);
    if (lh === undefined && rh === undefined && ls === undefined && rs === undefined) return r;
    const out: SocketRecord = { ...r };
    if (lh !== undefined) out.localHost = lh;
    if (rh !== undefined) out.remoteHost = rh;
    if (ls !== undefined) out.localService = ls;
    if (rs !== undefined) out.remoteService = rs;
    return out;
  }
}
