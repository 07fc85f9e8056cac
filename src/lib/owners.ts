import type { Container, Owner, SocketRecord } from "../model/socket.js";

/**
 * Every process holding a socket (after fork, dup, or socket activation), and which one a
 * socket is shown under: a service rather than the supervisor that passed the socket on
 * (sshd, not 1/systemd), then the lowest pid (a forked server's master, not its workers).
 *
 *   owners [{pid:1,process:"systemd"},{pid:812,process:"sshd"}]  -> pid 812, process "sshd"
 *   owners [{pid:2502,"nginx"},{pid:2503,"nginx"},...4 in all]  -> table "2502/nginx +3"
 */

const SUPERVISOR = /^(systemd|init|containerd-shim.*|s6-svscan|runit|supervisord|launchd|tini|dumb-init)$/;

/** pid 1, or a process whose name is a service manager's. */
export const isSupervisor = (o: Pick<Owner, "pid" | "process">): boolean => o.pid === 1 || SUPERVISOR.test(o.process ?? "");

/** The holder a socket is shown under. */
export function shownOwner(owners: readonly Owner[]): Owner | undefined {
  let best: Owner | undefined;
  for (const o of owners) {
    if (!best) best = o;
    else {
      const a = isSupervisor(o);
      const b = isSupervisor(best);
      if ((a === b && o.pid < best.pid) || (!a && b)) best = o;
    }
  }
  return best;
}

/** Gives a record its holders (sorted by pid, then fd; each pid and fd once) and shows the chosen one as pid/process. */
export function setOwners(r: SocketRecord, owners: Owner[]): void {
  if (owners.length === 0) return;
  owners.sort((a, b) => a.pid - b.pid || (a.fd ?? -1) - (b.fd ?? -1));
  const twice = (o: Owner, i: number) => i > 0 && o.pid === owners[i - 1]!.pid && o.fd === owners[i - 1]!.fd;
  // The array as given when nothing repeats: filter's would be grown for more (top holds one a socket).
  const kept = owners.some(twice) ? owners.filter((o, i) => !twice(o, i)) : owners;
  const shown = shownOwner(kept)!;
  r.owners = kept;
  r.pid = shown.pid;
  r.process = shown.process;
}

/** The holder a record shows (its pid/process), with what was read about it (--who, top: unit and container). */
export const shownHolder = (r: Pick<SocketRecord, "owners" | "pid">): Owner | undefined => (r.pid === null ? undefined : r.owners?.find((o) => o.pid === r.pid));

/** A container in one word: its name, else its id's first 12 digits (as `docker ps` prints it). */
export const containerLabel = (c: Container): string => c.name ?? c.id.slice(0, 12);

/** Holders besides the one shown: the processes (not descriptors) counted once. */
export function otherHolders(r: Pick<SocketRecord, "owners" | "pid">): number {
  if (!r.owners || r.owners.length < 2) return 0;
  const pids = new Set<number>();
  for (const o of r.owners) if (o.pid !== r.pid) pids.add(o.pid);
  return pids.size;
}

/** The name cell's text after the pid: "nginx", or "nginx +3" when three more processes hold it. */
export function ownerName(name: string, r: Pick<SocketRecord, "owners" | "pid">): string {
  const more = otherHolders(r);
  return more === 0 ? name : `${name} +${more}`;
}

/** Whether any holder has one of these pids. */
export function heldByPid(r: { owners?: SocketRecord["owners"]; pid?: number | null }, pids: ReadonlySet<number>): boolean {
  if (r.owners) return r.owners.some((o) => pids.has(o.pid));
  return r.pid != null && pids.has(r.pid);
}

/** Whether any holder's name contains the needle (lower case). */
export function heldByName(r: { owners?: SocketRecord["owners"]; process?: string | null }, needle: string): boolean {
  if (r.owners) return r.owners.some((o) => (o.process ?? "").toLowerCase().includes(needle));
  return (r.process ?? "").toLowerCase().includes(needle);
}

/** Why a holder read from a capture cannot be kept (a pid or fd no system prints), or undefined. */
export function badHolder(o: Pick<Owner, "pid" | "fd">): string | undefined {
  if (!(Number.isSafeInteger(o.pid) && o.pid > 0)) return `pid ${o.pid} is out of range`;
  if (o.fd !== null && !(Number.isSafeInteger(o.fd) && o.fd >= 0)) return `fd ${o.fd} is out of range`;
  return undefined;
}
