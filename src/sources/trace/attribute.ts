import { readFileSync, readlinkSync } from "node:fs";
import type { SocketRecord } from "../../model/socket.js";
import type { KernelEvent } from "../linux-tracefs/decode.js";

/**
 * Who holds a socket, and in which network namespace it lives, for events of a machine-wide
 * tracepoint that names neither. In order:
 *   1. the process in context, when the change happened in its system call (connect, listen,
 *      close): its pid, name and namespace come from /proc/<tid>;
 *   2. what an earlier event of the same socket (same skaddr) told;
 *   3. for a connection accepted in a softirq (LISTEN -> SYN_RECV), the listening socket on
 *      its local port: its holder and namespace, when only one namespace listens there;
 *   4. the socket table read when the trace began (connections already open), by endpoints,
 *      when those endpoints exist in one namespace only;
 *   5. the namespace only, for a reset sent with no socket (a SYN to a closed port) over
 *      loopback: the connecting socket it answers, which must be in the same namespace.
 * Anything else is unknown (null): counted, never guessed.
 */

export type HolderFrom = "context" | "socket-table" | "listener" | "earlier-event";

export interface Attribution {
  pid: number | null;
  process: string | null;
  holderFrom: HolderFrom | null;
  /** Namespace inode, or null when it cannot be told. */
  netns: number | null;
}

interface ProcessInfo {
  pid: number;
  process: string;
  netns: number | null;
  readAt: number;
}

/** How long what /proc said about a thread is trusted (exec renames, pids are reused). */
const PROCESS_TTL_MS = 1000;
const NET_LINK = /^net:\[(\d+)\]$/;

interface Listener {
  address: string;
  netns: number | null;
  pid: number | null;
  process: string | null;
}

const UNKNOWN: Attribution = { pid: null, process: null, holderFrom: null, netns: null };
const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;
const WILDCARD = new Set(["0.0.0.0", "::", "::ffff:0.0.0.0"]);
const tupleKey = (localAddress: string, localPort: number, remoteAddress: string, remotePort: number) => `${localAddress}|${localPort}|${remoteAddress}|${remotePort}`;

export class Attributor {
  private processes = new Map<number, ProcessInfo | null>();
  private sockets = new Map<string, Attribution>();
  private listeners = new Map<number, Map<string, Listener>>();
  private table = new Map<string, Attribution[]>();
  private savedComms: Map<number, string> | null = null;
  /** Sockets in SYN_SENT by destination "address|port": their source address and namespace. */
  private connecting = new Map<string, Map<string, { localAddress: string; netns: number | null }>>();

  constructor(
    private readonly procRoot = "/proc",
    /** The comm the kernel saved for a pid (tracefs saved_cmdlines), for processes gone before /proc was read. */
    private readonly readSavedComms: () => Map<number, string> = () => new Map(),
    /** Namespace to give events that cannot be told apart: set when the machine has one namespace only. */
    private readonly soleNetns: number | null = null,
  ) {}

  /** Sockets already open: their holders and namespaces, from a reading of the tables (netns tags when read per namespace). Adds to what earlier readings said. */
  learnTable(records: readonly SocketRecord[], defaultNetns: number | null): void {
    for (const r of records) {
      if (r.proto !== "tcp") continue;
      const netns = r.netns?.inode ?? defaultNetns;
      const who: Attribution = { pid: r.pid, process: r.process, holderFrom: "socket-table", netns };
      if (r.state === "LISTEN") this.addListener(r.localPort, `table:${r.localAddress}:${r.inode ?? ""}:${netns}`, { address: r.localAddress, ...who });
      if (r.remoteAddress === null || r.remotePort === null) continue;
      const key = tupleKey(r.localAddress, r.localPort, r.remoteAddress, r.remotePort);
      const list = this.table.get(key);
      if (list) list.push(who);
      else this.table.set(key, [who]);
    }
  }

  /** Holder and namespace of the socket of an event; remembers them for its later events. */
  attribute(e: KernelEvent, now = Date.now()): Attribution {
    // A change from CLOSE or LISTEN starts a socket's life (connect, listen, a connection
    // accepted): what was known of that address belongs to a freed socket whose memory the
    // kernel reused, whatever its last change said.
    const fresh = e.type === "transition" && (e.from === "CLOSE" || (e.from === "LISTEN" && e.to !== "CLOSE"));
    if (fresh && e.skaddr !== null) this.sockets.delete(e.skaddr);
    const known = e.skaddr === null ? undefined : this.sockets.get(e.skaddr);
    let who: Attribution = UNKNOWN;
    if (e.context === "process" && e.tid > 0) {
      const info = this.processInfo(e.tid, now);
      if (info) who = { pid: info.pid, process: info.process, holderFrom: "context", netns: info.netns };
    }
    if (who === UNKNOWN && known && known.netns !== null) who = { ...known, holderFrom: known.holderFrom === "context" ? "earlier-event" : known.holderFrom };
    if (who === UNKNOWN && e.from === "LISTEN") who = this.fromListener(e);
    if (who === UNKNOWN) who = this.fromTable(e);
    if (who === UNKNOWN && e.skaddr === null) who = this.fromConnectingPeer(e);
    if (who.netns === null && this.soleNetns !== null) who = { ...who, netns: this.soleNetns };
    if (e.skaddr !== null && e.type === "transition") {
      const destination = `${e.remoteAddress}|${e.remotePort}`;
      if (e.to === "SYN_SENT") {
        let bySocket = this.connecting.get(destination);
        if (!bySocket) this.connecting.set(destination, (bySocket = new Map()));
        bySocket.set(e.skaddr, { localAddress: e.localAddress, netns: who.netns });
      } else if (e.from === "SYN_SENT") {
        const bySocket = this.connecting.get(destination);
        bySocket?.delete(e.skaddr);
        if (bySocket?.size === 0) this.connecting.delete(destination);
      }
      if (e.to === "CLOSE") {
        this.sockets.delete(e.skaddr);
        if (e.from === "LISTEN") this.removeListener(e.localPort, e.skaddr);
      } else {
        // A socket keeps the holder first learned (the connecting or listening process), not a later passer-by.
        if ((!known || (known.pid === null && who.pid !== null)) && (who.netns !== null || who.pid !== null)) this.sockets.set(e.skaddr, who);
        if (e.to === "LISTEN") this.addListener(e.localPort, e.skaddr, { address: e.localAddress, ...who });
      }
    }
    return who;
  }

  private addListener(port: number, key: string, listener: Listener): void {
    let byKey = this.listeners.get(port);
    if (!byKey) this.listeners.set(port, (byKey = new Map()));
    byKey.set(key, listener);
  }

  private removeListener(port: number, key: string): void {
    this.listeners.get(port)?.delete(key);
  }

  /** The listener a passive open came through: only when all candidates agree on the namespace. */
  private fromListener(e: KernelEvent): Attribution {
    const byKey = this.listeners.get(e.localPort);
    if (!byKey) return UNKNOWN;
    const candidates = [...byKey.values()].filter((l) => l.address === e.localAddress || WILDCARD.has(l.address));
    if (candidates.length === 0) return UNKNOWN;
    const netns = new Set(candidates.map((c) => c.netns));
    const holders = new Set(candidates.map((c) => c.pid));
    const first = candidates[0]!;
    return {
      pid: holders.size === 1 ? first.pid : null,
      process: holders.size === 1 ? first.process : null,
      holderFrom: holders.size === 1 && first.pid !== null ? "listener" : null,
      netns: netns.size === 1 ? first.netns : null,
    };
  }

  private fromTable(e: KernelEvent): Attribution {
    const list = this.table.get(tupleKey(e.localAddress, e.localPort, e.remoteAddress, e.remotePort));
    if (!list || list.length !== 1) return UNKNOWN;
    return list[0]!;
  }

  /** A reset sent for no socket over loopback: the namespace of the connecting socket it answers. */
  private fromConnectingPeer(e: KernelEvent): Attribution {
    if (!LOOPBACK.test(e.localAddress)) return UNKNOWN;
    const bySocket = this.connecting.get(`${e.localAddress}|${e.localPort}`);
    if (!bySocket) return UNKNOWN;
    const netns = new Set([...bySocket.values()].filter((c) => c.localAddress === e.remoteAddress).map((c) => c.netns));
    return netns.size === 1 ? { ...UNKNOWN, netns: [...netns][0]! } : UNKNOWN;
  }

  /** Reads a thread's process now, while it lives, for its events attributed later. */
  prime(tid: number, now = Date.now()): void {
    if (tid > 0) this.processInfo(tid, now);
  }

  private processInfo(tid: number, now: number): ProcessInfo | null {
    const cached = this.processes.get(tid);
    if (cached && now - cached.readAt < PROCESS_TTL_MS) return cached;
    // A thread that has exited since: its events happened while it lived, so what was read
    // of it before still holds (pids are not reused that fast).
    const info = this.readProcess(tid, now, cached ?? null);
    this.processes.set(tid, info);
    // Bounded: the oldest entries go first (a Map keeps insertion order).
    if (this.processes.size > 8192) for (const key of [...this.processes.keys()].slice(0, 2048)) this.processes.delete(key);
    return info;
  }

  private readProcess(tid: number, now: number, before: ProcessInfo | null): ProcessInfo | null {
    const dir = `${this.procRoot}/${tid}`;
    try {
      const status = readFileSync(`${dir}/status`, "utf8");
      const tgid = Number(/^Tgid:\s*(\d+)/m.exec(status)?.[1] ?? tid);
      let process: string;
      try {
        process = readFileSync(`${this.procRoot}/${tgid}/comm`, "utf8").replace(/\n$/, "");
      } catch {
        process = /^Name:\s*(.*)$/m.exec(status)?.[1] ?? "";
      }
      let netns: number | null = null;
      try {
        const m = NET_LINK.exec(readlinkSync(`${dir}/ns/net`));
        netns = m ? Number(m[1]) : null;
      } catch {
        // Hidden (not root), or a zombie: an exited process keeps its status but loses its
        // namespaces until its parent reaps it. Its events happened before: what was read then holds.
        if (before && before.pid === tgid) return { ...before, readAt: now };
      }
      return { pid: tgid, process, netns, readAt: now };
    } catch {
      if (before) return { ...before, readAt: now };
      // Gone before we looked: the kernel's saved comm still names it (its namespace is lost).
      this.savedComms ??= this.readSavedComms();
      let comm = this.savedComms.get(tid);
      if (comm === undefined) {
        this.savedComms = this.readSavedComms();
        comm = this.savedComms.get(tid);
      }
      return comm === undefined ? null : { pid: tid, process: comm, netns: null, readAt: now };
    }
  }
}

/**
 * tracefs saved_cmdlines: "1234 curl" a line -> Map { 1234 => "curl" }.
 */
export function parseSavedCmdlines(text: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const line of text.split("\n")) {
    const space = line.indexOf(" ");
    if (space > 0) map.set(Number(line.slice(0, space)), line.slice(space + 1));
  }
  return map;
}
