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

const ms = z.number().nonnegative().nullable();
const count = z.number().int().nonnegative().nullable();

/**
 * The kernel's tcp_info for one connection (`ss -ti`), as -i/--info reads it. Every field is
 * null where the source does not know it: /proc/net/tcp (when ss is missing) carries only
 * rto, ato, cwnd, ssthresh and retransmits; ss leaves out counters that are 0 (read as 0).
 */
export const TcpInfoSchema = z
  .object({
    source: z.enum(["ss", "proc"]).describe("ss: ss -tinHOe (netlink INET_DIAG_INFO); proc: /proc/net/tcp's few fields"),
    congestion: z.string().nullable().describe("Congestion control algorithm (cubic, bbr, reno)"),
    rttMs: ms.describe("Smoothed round-trip time"),
    rttVarMs: ms.describe("Round-trip time variation"),
    minRttMs: ms.describe("Lowest round-trip time seen"),
    rtoMs: ms.describe("Retransmission timeout"),
    atoMs: ms.describe("Delayed-ACK timeout"),
    mss: count.describe("Maximum segment size in use"),
    cwnd: count.describe("Congestion window, in segments"),
    ssthresh: count.describe("Slow-start threshold, in segments; null while in slow start or unknown"),
    retransmits: count.describe("Retransmissions of the segment now outstanding (tcpi_retransmits)"),
    totalRetrans: count.describe("Retransmitted segments over the connection's life (tcpi_total_retrans)"),
    lost: count.describe("Segments the kernel counts as lost"),
    unacked: count.describe("Segments sent and not yet acknowledged"),
    sacked: count.describe("Segments selectively acknowledged"),
    bytesSent: count.describe("Bytes sent, retransmissions included (tcpi_bytes_sent)"),
    bytesAcked: count.describe("Bytes the peer acknowledged"),
    bytesReceived: count.describe("Bytes received"),
    segsOut: count.describe("Segments sent"),
    segsIn: count.describe("Segments received"),
    lastSendMs: ms.describe("Time since the last data was sent"),
    lastRecvMs: ms.describe("Time since the last data was received"),
    lastAckMs: ms.describe("Time since the last ACK was received"),
    deliveryRateBps: count.describe("Delivery rate, bits per second"),
    pacingRateBps: count.describe("Pacing rate, bits per second"),
    sndWscale: count.describe("Send window scale"),
    rcvWscale: count.describe("Receive window scale"),
    busyMs: ms.describe("Time spent sending (busy)"),
    rwndLimitedMs: ms.describe("Time limited by the peer's receive window"),
    sndbufLimitedMs: ms.describe("Time limited by the send buffer"),
  })
  .strict()
  .describe("TCP internals of a connection (tcp_info), from -i/--info");

/** A socket's memory, as ss -m prints it: skmem:(r0,rb131072,t0,tb16384,f0,w0,o0,bl0,d0). */
export const SkMemSchema = z
  .object({
    rmemAlloc: z.number().int().nonnegative().describe("r: memory holding received data"),
    rcvBuf: z.number().int().nonnegative().describe("rb: receive buffer size"),
    wmemAlloc: z.number().int().nonnegative().describe("t: memory holding data sent and not yet acknowledged"),
    sndBuf: z.number().int().nonnegative().describe("tb: send buffer size"),
    fwdAlloc: z.number().int().nonnegative().describe("f: memory reserved ahead, not yet used"),
    wmemQueued: z.number().int().nonnegative().describe("w: memory of data queued to send"),
    optMem: z.number().int().nonnegative().describe("o: memory for socket options"),
    backlog: z.number().int().nonnegative().describe("bl: memory of the backlog queue"),
    drops: z.number().int().nonnegative().describe("d: packets dropped before reaching the socket"),
  })
  .strict()
  .describe("Socket memory in bytes (SK_MEMINFO), from -m/--memory");

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
        "Host name a capture made without -n printed instead of the local address, kept as given; localAddress then holds the loopback address for localhost names, else this same name. With -r/--resolve: the name the hosts file or DNS gives the address. Present only then",
      ),
    remoteHost: z.string().optional().describe("Host name printed instead of the remote address, as localHost"),
    localService: z.string().optional().describe("Service name of the local port (-r/--resolve, from the services database); absent without -r or when the port has none"),
    remoteService: z.string().optional().describe("Service name of the remote port (-r/--resolve), as localService"),
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
    cookie: z
      .string()
      .nullable()
      .optional()
      .describe("The kernel's socket cookie, as ss -e prints it after sk: (hex); null where ss gives none; present only with -e"),
    memory: SkMemSchema.nullable()
      .optional()
      .describe("Socket memory (-m, ss's skmem); null where ss gives none (TIME_WAIT); present only with -m"),
    tcpInfo: TcpInfoSchema.nullable()
      .optional()
      .describe("TCP internals (-i/--info); null for a socket the kernel gives none for (UDP, TIME_WAIT); absent without -i"),
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
export type TcpInfo = z.infer<typeof TcpInfoSchema>;
export type SkMem = z.infer<typeof SkMemSchema>;

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
