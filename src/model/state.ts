/**
 * Canonical TCP states, named as netstat prints them on Linux.
 * Every source maps its own codes or words onto this one enum.
 */
export const TCP_STATES = [
  "ESTABLISHED",
  "SYN_SENT",
  "SYN_RECV",
  "FIN_WAIT1",
  "FIN_WAIT2",
  "TIME_WAIT",
  "CLOSE",
  "CLOSE_WAIT",
  "LAST_ACK",
  "LISTEN",
  "CLOSING",
] as const;

// The zod enum of these states, TcpStateSchema, lives in socket.ts with the other schemas:
// this module stays free of zod, so the listing path starts without loading it.
export type TcpState = (typeof TCP_STATES)[number];

/**
 * Linux kernel state numbers, from include/net/tcp_states.h.
 * 0x0C (TCP_NEW_SYN_RECV) is a request socket: a handshake half done, shown as SYN_RECV.
 */
export const LINUX_TCP_STATES: Readonly<Record<number, TcpState>> = {
  0x01: "ESTABLISHED",
  0x02: "SYN_SENT",
  0x03: "SYN_RECV",
  0x04: "FIN_WAIT1",
  0x05: "FIN_WAIT2",
  0x06: "TIME_WAIT",
  0x07: "CLOSE",
  0x08: "CLOSE_WAIT",
  0x09: "LAST_ACK",
  0x0a: "LISTEN",
  0x0b: "CLOSING",
  0x0c: "SYN_RECV",
};

/**
 * Unix domain sockets in /proc/net/unix: the St column is the socket's `socket_state`
 * (include/uapi/linux/net.h: 1 SS_UNCONNECTED, 2 SS_CONNECTING, 3 SS_CONNECTED,
 * 4 SS_DISCONNECTING), and a listener is St 1 with __SO_ACCEPTCON (1 << 16) in Flags
 * (net/unix/af_unix.c, unix_seq_show). Mapped as iproute2's ss maps them (misc/ss.c,
 * unix_state_map: SS_CLOSE, SS_SYN_SENT, SS_ESTABLISHED, SS_CLOSING), so ss's words
 * UNCONN, SYN-SENT, ESTAB, CLOSING and LISTEN read as CLOSE, SYN_SENT, ESTABLISHED,
 * CLOSING and LISTEN.
 */
export const LINUX_UNIX_STATES: Readonly<Record<number, TcpState>> = {
  1: "CLOSE",
  2: "SYN_SENT",
  3: "ESTABLISHED",
  4: "CLOSING",
};

/** Flags bit of a listening unix socket (__SO_ACCEPTCON, include/linux/net.h). */
export const UNIX_ACCEPTCON = 1 << 16;

/**
 * The words ss prints in its State column (misc/ss.c, sstate_name) for each canonical state:
 * the -w/-x table speaks ss's language, as its columns are ss's.
 */
export const SS_STATE_WORDS: Readonly<Record<TcpState, string>> = {
  ESTABLISHED: "ESTAB",
  SYN_SENT: "SYN-SENT",
  SYN_RECV: "SYN-RECV",
  FIN_WAIT1: "FIN-WAIT-1",
  FIN_WAIT2: "FIN-WAIT-2",
  TIME_WAIT: "TIME-WAIT",
  CLOSE: "UNCONN",
  CLOSE_WAIT: "CLOSE-WAIT",
  LAST_ACK: "LAST-ACK",
  LISTEN: "LISTEN",
  CLOSING: "CLOSING",
};

/**
 * Every spelling people type or tools print, keyed by its normalized form
 * (upper case, with '-', ' ' and '_' removed). One table for all sources.
 */
const ALIASES: Readonly<Record<string, TcpState>> = {
  ESTABLISHED: "ESTABLISHED",
  ESTAB: "ESTABLISHED",
  SYNSENT: "SYN_SENT",
  SYNRECV: "SYN_RECV",
  SYNRCVD: "SYN_RECV",
  SYNRECEIVED: "SYN_RECV",
  NEWSYNRECV: "SYN_RECV",
  FINWAIT1: "FIN_WAIT1",
  FINWAIT2: "FIN_WAIT2",
  TIMEWAIT: "TIME_WAIT",
  CLOSE: "CLOSE",
  CLOSED: "CLOSE",
  CLOSEWAIT: "CLOSE_WAIT",
  LASTACK: "LAST_ACK",
  LISTEN: "LISTEN",
  LISTENING: "LISTEN",
  CLOSING: "CLOSING",
};

const normalize = (word: string): string => word.toUpperCase().replace(/[-_\s]/g, "");

/** Canonical state for any known spelling, or undefined. */
export function canonicalState(word: string): TcpState | undefined {
  return ALIASES[normalize(word)];
}

/** All spellings accepted on input, for help text and error messages. */
export const STATE_SPELLINGS: readonly string[] = Object.keys(ALIASES);

const ALL = new Set<TcpState>(TCP_STATES);
const without = (...drop: TcpState[]): TcpState[] => TCP_STATES.filter((s) => !drop.includes(s));

/**
 * ss's state groups (ss(8), "STATE-FILTER"):
 * connected = all but LISTEN and CLOSE; synchronized = connected but SYN_SENT;
 * bucket = states kept as minisockets (SYN_RECV, TIME_WAIT); big = all but bucket.
 */
export const STATE_GROUPS: Readonly<Record<string, readonly TcpState[]>> = {
  all: [...ALL],
  connected: without("LISTEN", "CLOSE"),
  synchronized: without("LISTEN", "CLOSE", "SYN_SENT"),
  bucket: ["SYN_RECV", "TIME_WAIT"],
  big: without("SYN_RECV", "TIME_WAIT"),
};
