import { z } from "zod";
import { ProtoSchema, FamilySchema, NetnsSchema, TcpStateSchema } from "./socket.js";
import { TCP_STATES, type TcpState } from "./state.js";
import { GROUP_KEYS } from "./group-keys.js";

/**
 * The JSON of summary, stats, doctor, explain and watch events. As with SocketRecord,
 * these schemas are the only description of that output: types come from them.
 */

const count = z.number().int().nonnegative();

/** Every TCP state with its count, zeros included, so monitoring keys never disappear. */
export const StateCountsSchema = z.object(
  Object.fromEntries(TCP_STATES.map((s) => [s, count])) as Record<TcpState, typeof count>,
);
export type StateCounts = z.infer<typeof StateCountsSchema>;

export { GROUP_KEYS };
export const GroupKeySchema = z.enum(GROUP_KEYS);
export type GroupKey = z.infer<typeof GroupKeySchema>;

export const SummaryGroupSchema = z.object({
  key: z.string().describe("The port, 'pid/process', remote address or local address:port; '-' when unknown"),
  count,
  states: StateCountsSchema.partial().describe("TCP states with a non-zero count; UDP sockets count under 'udp'"),
  udp: count,
  netns: NetnsSchema.optional().describe("The network namespace of the group's sockets; present with --netns (groups are per namespace first)"),
});
export type SummaryGroup = z.infer<typeof SummaryGroupSchema>;

/** `tcpstat summary --json`. */
export const SummarySchema = z
  .object({
    time: z.string().describe("ISO 8601 time of the reading"),
    source: z.string(),
    total: count,
    tcp: z.object({ total: count, states: StateCountsSchema }),
    udp: z.object({ total: count, connected: count, unconnected: count }),
    families: z.object({ ipv4: count, ipv6: count }),
    by: z
      .object({
        key: GroupKeySchema,
        top: z.array(SummaryGroupSchema),
        rest: z.object({ groups: count, count }).describe("Groups beyond --top, summed"),
        shared: count
          .optional()
          .describe("--by process: sockets held by several processes (after fork, socket activation), each counted once under the process shown"),
      })
      .nullable(),
    problems: count.describe("Unreadable source lines (reported on stderr)"),
  })
  .strict();
export type Summary = z.infer<typeof SummarySchema>;

/** One kernel counter in `tcpstat stats --json`. */
export const CounterEntrySchema = z.object({
  name: z.string().describe("nstat name, e.g. TcpExtListenOverflows"),
  label: z.string().describe("What it counts, in words"),
  group: z.string(),
  value: z.number().int(),
  perSecond: z.number().nullable().describe("Rate between the two readings of --interval; null for one reading"),
});
export type CounterEntry = z.infer<typeof CounterEntrySchema>;

export const StatsSchema = z
  .object({
    time: z.string(),
    intervalSeconds: z.number().nullable(),
    counters: z.array(CounterEntrySchema),
    problems: count,
  })
  .strict();
export type Stats = z.infer<typeof StatsSchema>;

export const SeveritySchema = z.enum(["warning", "critical"]);
export type Severity = z.infer<typeof SeveritySchema>;

/** One problem `tcpstat doctor` found, with what it saw, why it likely happens and what to do. */
export const FindingSchema = z
  .object({
    rule: z.string().describe("Stable rule id, e.g. close-wait, time-wait, syn-flood, accept-queue"),
    severity: SeveritySchema,
    title: z.string(),
    state: TcpStateSchema.nullable(),
    count: count.describe("How many sockets (or counter increments) triggered it"),
    threshold: z.number().describe("The threshold it crossed (see --threshold)"),
    pid: z.number().int().positive().nullable(),
    process: z.string().nullable(),
    port: z.number().int().min(0).max(65535).nullable().describe("The service port involved: a local listener's, or the peer's for outgoing connections"),
    peer: z.string().nullable().describe("The remote address (and port) involved"),
    oldestTimerMs: z.number().int().nonnegative().nullable().describe("The longest time left on a timer among those sockets"),
    evidence: z.array(z.string()).describe("What was measured, one fact a line"),
    cause: z.string(),
    fix: z.string(),
    netns: NetnsSchema.optional().describe("The network namespace whose sockets it is about; present with --netns (each namespace is judged apart)"),
  })
  .strict();
export type Finding = z.infer<typeof FindingSchema>;

/** `tcpstat doctor --json`. */
export const DoctorReportSchema = z
  .object({
    time: z.string(),
    healthy: z.boolean(),
    sockets: count,
    intervalSeconds: z.number().describe("Seconds between the two counter readings"),
    thresholds: z.record(z.string(), z.number()),
    findings: z.array(FindingSchema),
    notes: z.array(z.string()).describe("Checks that could not run, and why"),
  })
  .strict();
export type DoctorReport = z.infer<typeof DoctorReportSchema>;

/** `tcpstat explain STATE --json`. */
export const ExplanationSchema = z
  .object({
    state: TcpStateSchema,
    lang: z.enum(["en", "zh", "fr"]),
    aliases: z.array(z.string()),
    kernelCode: z.number().int().nullable(),
    meaning: z.string(),
    side: z.string(),
    enteredBy: z.string(),
    leftBy: z.string(),
    duration: z.string(),
    whenMany: z.string(),
    whatToDo: z.string(),
    count: count.nullable().describe("Sockets in this state now; null when they could not be read"),
  })
  .strict();
export type Explanation = z.infer<typeof ExplanationSchema>;

/** The lessons of the state diagram `tcpstat explain LESSON` tells, by name. */
export const LESSONS = ["handshake", "teardown"] as const;
export type LessonName = (typeof LESSONS)[number];

/** `tcpstat explain handshake|teardown --json`: one lesson of the state diagram. */
export const LessonSchema = z
  .object({
    lesson: z.enum(LESSONS),
    lang: z.enum(["en", "zh", "fr"]),
    title: z.string(),
    summary: z.string(),
    sides: z
      .array(
        z
          .object({
            role: z.enum(["client", "server", "active-closer", "passive-closer"]),
            name: z.string(),
            states: z.array(TcpStateSchema).describe("The states this side passes through, in order"),
            text: z.string(),
          })
          .strict(),
      )
      .describe("The two ends, left one first"),
    segments: z.array(
      z
        .object({
          n: z.number().int().describe("1 for the first segment sent"),
          from: z.enum(["client", "server", "active-closer", "passive-closer"]),
          flags: z.string().describe("The TCP flags that matter: SYN, SYN+ACK, ACK, FIN"),
          senderState: TcpStateSchema.describe("The sender's state once the segment is sent"),
          receiverState: TcpStateSchema.describe("The receiver's state once the segment has arrived"),
          text: z.string(),
        })
        .strict(),
    ),
    sections: z.array(z.object({ topic: z.string().describe("Stable name: why-three, why-four, half-close, ..."), heading: z.string(), text: z.string() }).strict()),
  })
  .strict();
export type Lesson = z.infer<typeof LessonSchema>;

/** The socket a watch event is about. */
export const WatchSocketSchema = z.object({
  proto: ProtoSchema,
  family: FamilySchema,
  localAddress: z.string(),
  localPort: z.number().int(),
  remoteAddress: z.string().nullable(),
  remotePort: z.number().int().nullable(),
  pid: z.number().int().positive().nullable(),
  process: z.string().nullable(),
});

/** `--watch --ndjson`: one event a line. `seenMs` is how long tcpstat has seen the socket. */
export const WatchEventSchema = z.discriminatedUnion("event", [
  z
    .object({
      event: z.literal("opened"),
      time: z.string(),
      initial: z.boolean().describe("True for sockets already open at the first reading"),
      socket: WatchSocketSchema,
      state: TcpStateSchema.nullable(),
    })
    .strict(),
  z
    .object({
      event: z.literal("closed"),
      time: z.string(),
      socket: WatchSocketSchema,
      state: TcpStateSchema.nullable().describe("The last state seen"),
      seenMs: count,
    })
    .strict(),
  z
    .object({
      event: z.literal("state"),
      time: z.string(),
      socket: WatchSocketSchema,
      from: TcpStateSchema.nullable(),
      to: TcpStateSchema.nullable(),
      seenMs: count,
    })
    .strict(),
]);
export type WatchEvent = z.infer<typeof WatchEventSchema>;
