import { z } from "zod";
import { TCP_STATES } from "./state.js";

export const TcpStateSchema = z.enum(TCP_STATES);

export const ProtoSchema = z.enum(["tcp", "udp"]);
export const FamilySchema = z.enum(["ipv4", "ipv6"]);

export const TimerSchema = z
  .object({
    kind: z.enum(["retransmit", "keepalive", "timewait", "probe"]),
    expiresInMs: z.number().int().nonnegative().describe("Milliseconds until the timer fires"),
    retransmits: z.number().int().nonnegative().describe("Retransmissions (or unanswered probes) so far"),
  })
  .describe("A pending kernel timer, as netstat -o and ss -o show it");

const port = z.number().int().min(0).max(65535);

/** The endpoint fields a tool's column width can cut. */
export const EndpointFieldSchema = z.enum(["localAddress", "localPort", "remoteAddress", "remotePort"]);

/** A Linux network namespace, as `ls -l /proc/<pid>/ns/net` (net:[inode]) and `ip netns` name it. */
export const NetnsSchema = z
  .object({
    inode: z.number().int().positive().describe("Namespace inode: /proc/<pid>/ns/net links to net:[inode]"),
    name: z.string().nullable().describe("Name under /run/netns (ip netns add NAME); null when it has none"),
  })
  .strict()
  .describe("The network namespace a socket lives in");

/** One process holding a socket: `ss -p` lists each as ("nginx",pid=2502,fd=6). */
export const OwnerSchema = z
  .object({
    pid: z.number().int().positive(),
    process: z.string().nullable().describe("Process name (comm); null when the source does not say"),
    user: z.string().nullable().describe("User the process runs as; null when unknown"),
    fd: z.number().int().nonnegative().nullable().describe("The socket's file descriptor in that process; null when the source does not say"),
  })
  .strict()
  .describe("A process holding the socket");

/** One socket, whatever system or capture it came from. The JSON output is exactly this. */
export const SocketRecordSchema = z
  .object({
    proto: ProtoSchema,
    family: FamilySchema,
    localAddress: z.string().describe("RFC 5952 text; IPv4-mapped IPv6 stays ::ffff:a.b.c.d"),
    localPort: port,
    remoteAddress: z.string().nullable().describe("null when there is no peer (listeners, unconnected UDP)"),
    remotePort: port.nullable(),
    state: TcpStateSchema.nullable().describe("Canonical TCP state; null for UDP"),
    recvQ: z.number().int().nonnegative().nullable(),
    sendQ: z.number().int().nonnegative().nullable(),
    pid: z.number().int().positive().nullable().describe("Owning process; null when unknown or none (TIME_WAIT, orphans)"),
    process: z.string().nullable(),
    uid: z.number().int().nonnegative().nullable(),
    user: z.string().nullable(),
    inode: z.number().int().nonnegative().nullable(),
    timer: TimerSchema.nullable(),
    netns: NetnsSchema.optional().describe("Network namespace of the socket; present only when --netns chose one or all"),
    localHost: z
      .string()
      .optional()
      .describe(
        "Host name a capture made without -n printed instead of the local address, kept as given; localAddress then holds the loopback address for localhost names, else this same name. Present only for such captures",
      ),
    remoteHost: z.string().optional().describe("Host name printed instead of the remote address, as localHost"),
    truncated: z
      .array(EndpointFieldSchema)
      .optional()
      .describe(
        "Fields the capturing tool cut to fit its column (netstat's address width): their values are the text as printed and are not to be trusted. Present only when some field was cut",
      ),
    createdAt: z
      .string()
      .optional()
      .describe("When the socket was created (ISO 8601); present only where the source says so (Windows PowerShell CreationTime)"),
    owners: z
      .array(OwnerSchema)
      .optional()
      .describe(
        "Every process holding the socket (a forked server's workers, a supervisor that passed it on), by pid; pid/process name the one shown (a service before a supervisor such as pid 1, systemd, init, containerd-shim). Present where the source names holders",
      ),
  })
  .strict();

export type SocketRecord = z.infer<typeof SocketRecordSchema>;
export type Proto = z.infer<typeof ProtoSchema>;
export type Family = z.infer<typeof FamilySchema>;
export type Timer = z.infer<typeof TimerSchema>;
export type NetnsTag = z.infer<typeof NetnsSchema>;
export type EndpointField = z.infer<typeof EndpointFieldSchema>;
export type Owner = z.infer<typeof OwnerSchema>;

/** A line a parser could not read: counted and reported, never fatal. */
export const ProblemSchema = z.object({
  source: z.string(),
  line: z.number().int().nonnegative(),
  text: z.string(),
  reason: z.string(),
});
export type Problem = z.infer<typeof ProblemSchema>;

/** What a parser returns: the records it read and the lines it could not. */
export interface ParseResult {
  records: SocketRecord[];
  problems: Problem[];
}
