import { z } from "zod";
import { FamilySchema, NetnsSchema, TcpStateSchema } from "./socket.js";

/**
 * `tcpstat trace --ndjson`: one of these a line. The kernel's tracepoints
 * (sock:inet_sock_set_state, tcp:tcp_send_reset, tcp:tcp_receive_reset, tcp:tcp_retransmit_skb)
 * become "transition", "reset-sent", "reset-received" and "retransmit"; tcpstat adds
 * "lifespan" when a connection is gone, "lost" when the kernel dropped events, and one
 * "summary" at the end. Code that only reads these types imports them with `import type`,
 * so following events never loads zod.
 */

const count = z.number().int().nonnegative();
const port = z.number().int().min(0).max(65535);

/** Who did it: the process in context (a system call), or the socket's holder as tcpstat knew it. */
const HolderFields = {
  pid: z.number().int().positive().nullable().describe("Process id; null when unknown"),
  process: z.string().nullable().describe("Process name (comm); null when unknown"),
  holderFrom: z
    .enum(["context", "socket-table", "listener", "earlier-event"])
    .nullable()
    .describe(
      "Where pid/process come from: the process in context (the change happened in its system call), the socket table, the listening socket a connection was accepted on, or an earlier event of the same socket; null when unknown",
    ),
};

const EventBase = {
  time: z.string().describe("ISO 8601 wall-clock time of the event"),
  monoNs: z.string().describe("Kernel CLOCK_MONOTONIC time in nanoseconds (decimal string: exceeds 2^53)"),
  sampled: z.boolean().describe("True when seen by polling the socket table (no tracefs), so short states may be missing"),
  netns: NetnsSchema.nullable().describe("Network namespace of the socket; null when it could not be told"),
  cpu: z.number().int().nonnegative().nullable().describe("CPU whose buffer held the event; null when sampled"),
  context: z
    .enum(["process", "softirq", "irq", "sampled"])
    .describe("Where the kernel was when the event happened: a process's system call, a softirq (a packet arrived, a timer fired), a hard irq; sampled when polled"),
  skaddr: z.string().nullable().describe("Kernel address of the socket (hex), stable for its life; null when sampled or not given"),
  family: FamilySchema,
  localAddress: z.string(),
  localPort: port,
  remoteAddress: z.string(),
  remotePort: port,
  ...HolderFields,
};

export const TraceTransitionSchema = z
  .object({
    kind: z.literal("transition"),
    ...EventBase,
    from: TcpStateSchema,
    to: TcpStateSchema,
  })
  .strict()
  .describe("A socket changed TCP state (sock:inet_sock_set_state)");

export const TraceResetSchema = z
  .object({
    kind: z.enum(["reset-sent", "reset-received"]),
    ...EventBase,
    state: TcpStateSchema.nullable().describe("State of the socket at the reset; null when no socket (a SYN to a closed port)"),
    reason: z.string().nullable().describe("Kernel's reason for a reset sent (sk_rst_reason), e.g. NO_SOCKET; null when not given"),
  })
  .strict()
  .describe("A reset sent (tcp:tcp_send_reset) or received (tcp:tcp_receive_reset)");

export const TraceRetransmitSchema = z
  .object({
    kind: z.literal("retransmit"),
    ...EventBase,
    state: TcpStateSchema.nullable(),
  })
  .strict()
  .describe("A segment retransmitted (tcp:tcp_retransmit_skb)");

export const LifespanEndSchema = z.enum(["orderly", "reset-sent", "reset-received", "syn-timeout", "aborted", "unknown"]);

export const TraceLifespanSchema = z
  .object({
    kind: z.literal("lifespan"),
    ...EventBase,
    durationMs: z.number().nonnegative().describe("From the first state change seen (SYN_SENT, SYN_RECV) to CLOSE"),
    startSeen: z.boolean().describe("False when the connection was already open when the trace began: durationMs is then a lower bound"),
    opener: z
      .enum(["active", "passive"])
      .nullable()
      .describe("active: this side connected (CLOSE -> SYN_SENT); passive: it was accepted (LISTEN -> SYN_RECV); null: opened before the trace"),
    closer: z.enum(["active", "passive", "simultaneous"]).nullable().describe("Which side sent the first FIN: this one (active), the peer (passive), both at once; null when no FIN was exchanged"),
    ended: LifespanEndSchema.describe(
      "orderly: FINs both ways; reset-sent / reset-received: a RST ended it; syn-timeout: SYN_SENT gave up without an answer; aborted: closed another way (e.g. connect() abandoned); unknown: sampled, and no FIN was seen",
    ),
    lastState: TcpStateSchema.describe("The state it left for CLOSE"),
  })
  .strict()
  .describe("A connection is gone: who held it, how long it lived, who closed first and how it ended");

export const TraceLostSchema = z
  .object({
    kind: z.literal("lost"),
    time: z.string(),
    cpu: z.number().int().nonnegative(),
    count: count.describe("Events the kernel dropped (buffer overrun) since the last report on this CPU"),
  })
  .strict()
  .describe("Events lost: the reader fell behind and the per-CPU buffer overflowed");

export const LifetimeStatsSchema = z.object({
  localPort: port.nullable().describe("Local port of connections accepted here (or open before the trace); null for connections this side opened"),
  remotePort: port.nullable().describe("For connections this side opened (each from an ephemeral local port): the port they connected to; else null"),
  count,
  medianMs: z.number().nonnegative(),
  p99Ms: z.number().nonnegative(),
});

export const TraceSummarySchema = z
  .object({
    kind: z.literal("summary"),
    time: z.string(),
    source: z.enum(["tracefs", "sampled"]),
    seconds: z.number().nonnegative(),
    transitions: z.array(z.object({ from: TcpStateSchema, to: TcpStateSchema, count })).describe("Counted by from -> to, most first"),
    opened: count.describe("Connections that reached ESTABLISHED"),
    closed: count.describe("Connections gone (lifespans)"),
    resetsSent: count,
    resetsReceived: count,
    retransmits: count,
    lost: count.describe("Events the kernel dropped (per-CPU buffer overruns); 0 is the goal"),
    unattributed: count.describe("Events left out because their network namespace could not be told"),
    lifetimes: z
      .array(LifetimeStatsSchema)
      .describe("Lifetimes of closed connections by local port (connections opened from here: by the port they connected to), most first, at most 100"),
    lifetimesLeftOut: z.object({ ports: count, count }).describe("Ports beyond the first 100 of lifetimes, summed"),
  })
  .strict()
  .describe("The end of a trace: what was seen, and what was lost");

export const TraceEventSchema = z.discriminatedUnion("kind", [
  TraceTransitionSchema,
  TraceResetSchema,
  TraceRetransmitSchema,
  TraceLifespanSchema,
  TraceLostSchema,
  TraceSummarySchema,
]);

export type TraceTransition = z.infer<typeof TraceTransitionSchema>;
export type TraceReset = z.infer<typeof TraceResetSchema>;
export type TraceRetransmit = z.infer<typeof TraceRetransmitSchema>;
export type TraceLifespan = z.infer<typeof TraceLifespanSchema>;
export type TraceLost = z.infer<typeof TraceLostSchema>;
export type TraceSummary = z.infer<typeof TraceSummarySchema>;
export type TraceEvent = z.infer<typeof TraceEventSchema>;
export type LifespanEnd = z.infer<typeof LifespanEndSchema>;
/** An event about one socket (everything but lost and summary). */
export type TraceSocketEvent = TraceTransition | TraceReset | TraceRetransmit | TraceLifespan;
