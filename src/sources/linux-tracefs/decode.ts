import { formatIpv4, formatIpv6 } from "../../lib/endpoint.js";
import type { Family } from "../../model/socket.js";
import { LINUX_TCP_STATES, type TcpState } from "../../model/state.js";
import { requireField, type EventFormat, type FieldLayout } from "./parse-format.js";

/**
 * Binary trace records -> typed kernel events, with every offset taken from the events'
 * `format` files (parse-format.ts), so a kernel that moves a field is still read right.
 * Pure: a record in, an event out; what the event means (owners, namespaces, lifespans)
 * is decided later.
 */

export type KernelEventType = "transition" | "reset-sent" | "reset-received" | "retransmit";

/** Where the kernel was: a process's system call, or interrupt context (common_flags). */
export type KernelContext = "process" | "softirq" | "irq";

export interface KernelEvent {
  type: KernelEventType;
  timeNs: number;
  cpu: number;
  /** common_pid: the thread in context (0: none, the idle task). */
  tid: number;
  context: KernelContext;
  /** Hex kernel address of the socket; null when the event has none (a reset with no socket). */
  skaddr: string | null;
  family: Family;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** transition: old and new state; reset/retransmit: `to` is the socket's state (null when none). */
  from: TcpState | null;
  to: TcpState | null;
  /** reset-sent: the kernel's sk_rst_reason word, when the format names it. */
  reason: string | null;
}

/** The tracepoints tcpstat follows, by "system/name". The first is required, the others optional. */
export const TRACEPOINTS = {
  transition: "sock/inet_sock_set_state",
  "reset-sent": "tcp/tcp_send_reset",
  "reset-received": "tcp/tcp_receive_reset",
  retransmit: "tcp/tcp_retransmit_skb",
} as const satisfies Record<KernelEventType, string>;

// include/linux/trace_events.h, enum trace_flag_type.
const FLAG_HARDIRQ = 0x08;
const FLAG_SOFTIRQ = 0x10;
const FLAG_NMI = 0x40;
const AF_INET = 2;
const AF_INET6 = 10;
const IPPROTO_TCP = 6;

type Decode = (page: Buffer, at: number, cpu: number, timeNs: number) => KernelEvent | null;

const hex = (page: Buffer, at: number) => {
  const hi = page.readUInt32LE(at + 4);
  const lo = page.readUInt32LE(at);
  if (hi === 0 && lo === 0) return null;
  return hi.toString(16) + lo.toString(16).padStart(8, "0");
};

/** IPv4 text by its 32-bit value: a busy trace meets the same few addresses again and again. */
const ipv4Cache = new Map<number, string>();
function ipv4At(page: Buffer, at: number): string {
  const key = page.readUInt32LE(at);
  let text = ipv4Cache.get(key);
  if (text === undefined) {
    text = formatIpv4(page, at);
    if (ipv4Cache.size > 65536) ipv4Cache.clear();
    ipv4Cache.set(key, text);
  }
  return text;
}

const stateOf = (n: number): TcpState | null => LINUX_TCP_STATES[n] ?? null;

/** Addresses from the separate v4/v6 fields of inet_sock_set_state, tcp_receive_reset and tcp_retransmit_skb. */
function splitAddresses(format: EventFormat) {
  const f = {
    family: requireField(format, "family"),
    sport: requireField(format, "sport"),
    dport: requireField(format, "dport"),
    saddr: requireField(format, "saddr"),
    daddr: requireField(format, "daddr"),
    saddr6: requireField(format, "saddr_v6"),
    daddr6: requireField(format, "daddr_v6"),
  };
  return (page: Buffer, at: number) => {
    const v6 = page.readUInt16LE(at + f.family.offset) === AF_INET6;
    return {
      family: (v6 ? "ipv6" : "ipv4") as Family,
      localAddress: v6 ? formatIpv6(page.subarray(at + f.saddr6.offset, at + f.saddr6.offset + 16)) : ipv4At(page, at + f.saddr.offset),
      remoteAddress: v6 ? formatIpv6(page.subarray(at + f.daddr6.offset, at + f.daddr6.offset + 16)) : ipv4At(page, at + f.daddr.offset),
      localPort: page.readUInt16LE(at + f.sport.offset),
      remotePort: page.readUInt16LE(at + f.dport.offset),
    };
  };
}

/** A struct sockaddr_in / sockaddr_in6 held in a __u8[28] (tcp_send_reset): family, port (network order), address. */
function sockaddrAt(page: Buffer, at: number): { family: Family; address: string; port: number } {
  const family = page.readUInt16LE(at);
  const port = page.readUInt16BE(at + 2);
  if (family === AF_INET6) return { family: "ipv6", address: formatIpv6(page.subarray(at + 8, at + 24)), port };
  return { family: "ipv4", address: family === AF_INET ? formatIpv4(page, at + 4) : "0.0.0.0", port };
}

/** "__print_symbolic(REC->reason, { 0, "NOT_SPECIFIED" }, { 1, "NO_SOCKET" } ...)" -> [ "NOT_SPECIFIED", "NO_SOCKET" ]. */
export function symbolsOf(formatText: string, field: string): Map<number, string> {
  const symbols = new Map<number, string>();
  const start = formatText.indexOf(`__print_symbolic(REC->${field},`);
  if (start < 0) return symbols;
  const end = formatText.indexOf(")", start + 20);
  const body = formatText.slice(start, end < 0 ? undefined : end);
  for (const m of body.matchAll(/\{\s*(\d+)\s*,\s*"([^"]+)"\s*\}/g)) symbols.set(Number(m[1]), m[2]!);
  return symbols;
}

function contextOf(flags: number): KernelContext {
  if (flags & (FLAG_HARDIRQ | FLAG_NMI)) return "irq";
  return flags & FLAG_SOFTIRQ ? "softirq" : "process";
}

/** One decoder per tracepoint present: its event id -> function. */
export function makeDecoder(formats: ReadonlyMap<KernelEventType, { format: EventFormat; text: string }>): (page: Buffer, at: number, cpu: number, timeNs: number) => KernelEvent | null {
  const byId = new Map<number, Decode>();
  let common: { type: FieldLayout; flags: FieldLayout; pid: FieldLayout } | null = null;
  for (const [type, { format, text }] of formats) {
    common ??= { type: requireField(format, "common_type"), flags: requireField(format, "common_flags"), pid: requireField(format, "common_pid") };
    const c = common;
    const base = (page: Buffer, at: number, cpu: number, timeNs: number) => ({
      timeNs,
      cpu,
      tid: page.readInt32LE(at + c.pid.offset),
      context: contextOf(page.readUInt8(at + c.flags.offset)),
    });
    const skaddr = requireField(format, "skaddr");
    if (type === "transition" || type === "reset-received" || type === "retransmit") {
      const addresses = splitAddresses(format);
      const old = type === "transition" ? requireField(format, "oldstate") : null;
      const state = type === "transition" ? requireField(format, "newstate") : format.fields.get("state") ?? null;
      // inet_sock_set_state fires for SCTP and MPTCP too: only TCP (protocol 6) is followed.
      const protocol = format.fields.get("protocol") ?? null;
      byId.set(format.id, (page, at, cpu, timeNs) => protocol && page.readUInt16LE(at + protocol.offset) !== IPPROTO_TCP ? null : ({
        type,
        ...base(page, at, cpu, timeNs),
        skaddr: hex(page, at + skaddr.offset),
        ...addresses(page, at),
        from: old ? stateOf(page.readInt32LE(at + old.offset)) : null,
        to: state ? stateOf(page.readInt32LE(at + state.offset)) : null,
        reason: null,
      }));
    } else {
      const saddr = requireField(format, "saddr");
      const daddr = requireField(format, "daddr");
      const state = format.fields.get("state") ?? null;
      const reasonField = format.fields.get("reason") ?? null;
      const reasons = symbolsOf(text, "reason");
      byId.set(format.id, (page, at, cpu, timeNs) => {
        const local = sockaddrAt(page, at + saddr.offset);
        const remote = sockaddrAt(page, at + daddr.offset);
        const reason = reasonField ? page.readUInt32LE(at + reasonField.offset) : null;
        return {
          type,
          ...base(page, at, cpu, timeNs),
          skaddr: hex(page, at + skaddr.offset),
          family: local.family,
          localAddress: local.address,
          localPort: local.port,
          remoteAddress: remote.address,
          remotePort: remote.port,
          from: null,
          to: state ? stateOf(page.readInt32LE(at + state.offset)) : null,
          reason: reason === null ? null : (reasons.get(reason) ?? String(reason)),
        };
      });
    }
  }
  const typeAt = common?.type.offset ?? 0;
  return (page, at, cpu, timeNs) => {
    const decode = byId.get(page.readUInt16LE(at + typeAt));
    return decode ? decode(page, at, cpu, timeNs) : null;
  };
}
