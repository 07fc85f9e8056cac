import type { ChalkInstance } from "chalk";
import { compareAddressText, digits, endpointHost, endpointLength, formatEndpoint } from "../lib/endpoint.js";
import { containerLabel, ownerName, shownHolder } from "../lib/owners.js";
import { escapeControl, safeText } from "../lib/safe-text.js";
import type { SocketRecord, TcpInfo, Timer } from "../model/socket.js";
import { type Width, widthOf } from "./columns.js";
import { STATE_MEANING, paint, paintHeader } from "./style.js";

export interface TableOptions {
  chalk: ChalkInstance;
  /** Show the timer column, like `netstat -o`. */
  timers?: boolean;
  /** -i: the tcp_info columns, as `ss -ti` shows them: RTT, Cwnd, Retrans, Sent, Recv, Idle. */
  info?: boolean;
  /** -e: Uid, Inode and Cookie columns, as ss -e shows uid:, ino: and sk:. */
  extended?: boolean;
  /** -m: Rmem/Rbuf, Wmem/Sbuf and Drops, from ss -m's skmem:(r,rb,t,tb,...,d). */
  memory?: boolean;
  /** false with -H/--no-header: the rows only, as `ss -H` prints them. */
  header?: boolean;
  /** -r: host and service names where the record has them (localHost, localService, ...), as `ss -r`. */
  names?: boolean;
}

/**
 * -i's compact columns from a record's tcpInfo ("-" where unknown): RTT in ms (rtt:0.024 in ss),
 * Cwnd in segments, Retrans as current/total (retrans:0/2), Sent and Recv in bytes
 * (bytes_sent, bytes_received), Idle as the time since the last segment either way.
 */
const EXTENDED_COLUMNS: ReadonlyArray<readonly [head: string, text: (r: SocketRecord) => string]> = [
  ["Uid", (r) => (r.uid === null ? "-" : String(r.uid))],
  ["Inode", (r) => (r.inode === null ? "-" : String(r.inode))],
  ["Cookie", (r) => r.cookie ?? "-"],
];

const MEMORY_COLUMNS: ReadonlyArray<readonly [head: string, text: (r: SocketRecord) => string]> = [
  ["Rmem/Rbuf", (r) => (r.memory ? `${r.memory.rmemAlloc}/${r.memory.rcvBuf}` : "-")],
  ["Wmem/Sbuf", (r) => (r.memory ? `${r.memory.wmemAlloc}/${r.memory.sndBuf}` : "-")],
  ["Drops", (r) => (r.memory ? String(r.memory.drops) : "-")],
];

/** -i's columns, from a socket's tcp_info (null or absent: "-"); GatheredTable writes them too. */
export const INFO_COLUMNS: ReadonlyArray<readonly [head: string, text: (i: TcpInfo | null | undefined) => string]> = [
  ["RTT(ms)", (i) => (i?.rttMs == null ? "-" : String(i.rttMs))],
  ["Cwnd", (i) => (i?.cwnd == null ? "-" : String(i.cwnd))],
  ["Retrans", (i) => (i?.retransmits == null ? "-" : `${i.retransmits}/${i.totalRetrans ?? "-"}`)],
  ["Sent", (i) => (i?.bytesSent == null ? "-" : String(i.bytesSent))],
  ["Recv", (i) => (i?.bytesReceived == null ? "-" : String(i.bytesReceived))],
  ["Idle(ms)", (i) => idleText(i)],
];

/** The tcp_info fields INFO_COLUMNS read: all a store behind -i's table needs to keep. */
export const INFO_COLUMN_FIELDS = ["rttMs", "cwnd", "retransmits", "totalRetrans", "bytesSent", "bytesReceived", "lastSendMs", "lastRecvMs"] as const satisfies ReadonlyArray<keyof TcpInfo>;

function idleText(i: TcpInfo | null | undefined): string {
  if (!i || i.lastSendMs === null || i.lastRecvMs === null) return "-";
  return String(Math.min(i.lastSendMs, i.lastRecvMs));
}

/** "timewait (59.85/0)": the kind, seconds left and retransmits so far, as netstat -o shows them. */
export function formatTimer(timer: Timer | null): string {
  if (!timer) return "off";
  return `${timer.kind} (${(timer.expiresInMs / 1000).toFixed(2)}/${timer.retransmits})`;
}

/** "tcp", "udp6": the protocol as netstat's Proto column shows it. */
export const protoText = (r: Pick<SocketRecord, "proto" | "family">) => (r.family === "ipv6" ? `${r.proto}6` : r.proto);

/** The listing's headings, as netstat has them (and the Timer column with -o). */
export const TABLE_HEAD = ["Proto", "Recv-Q", "Send-Q", "Local Address", "Foreign Address", "State", "PID/Program"] as const;

/** Listeners first, then by local port, local address and peer, as a person scans the list. */
export function compareSockets(a: SocketRecord, b: SocketRecord): number {
  return (
    compareAddressText(a.proto, b.proto) ||
    Number(b.state === "LISTEN") - Number(a.state === "LISTEN") ||
    a.localPort - b.localPort ||
    compareAddressText(a.localAddress, b.localAddress) ||
    (a.remotePort ?? -1) - (b.remotePort ?? -1) ||
    compareAddressText(a.remoteAddress ?? "", b.remoteAddress ?? "")
  );
}

/** A column: its heading, a cell's text, and that text's width without making it. */
interface Column {
  head: string;
  text(r: SocketRecord): string;
  width(r: SocketRecord): number;
  /** width(r) is text(r).length by definition: once the text is made, its length serves. */
  lengthIsWidth?: boolean;
  paint?(r: SocketRecord, text: string): string;
}

/** "localhost:ipp", "[::1]:8080": an endpoint with its names where -r found them. */
function namedEndpoint(host: string | undefined, address: string | null, port: number | null, service: string | undefined, family: SocketRecord["family"]): string {
  return `${host !== undefined ? safeText(host) : endpointHost(address, family)}:${service !== undefined ? safeText(service) : port === null ? "*" : String(port)}`;
}
const COMMAND_WIDTH = 80;

const exposureText = (r: SocketRecord) => r.exposure ?? "-";

function columnsFor(options: {
  chalk: ChalkInstance;
  timers: boolean;
  info: boolean;
  extended: boolean;
  memory: boolean;
  netns: boolean;
  width: Width;
  names?: boolean;
  exposure: boolean;
  who: boolean;
}): Column[] {
  const { chalk, width } = options;
  // Names are escaped once per distinct name: thousands of sockets share a few processes.
  const escaped = new Map<string, string>();
  const name = (text: string) => {
    let safe = escaped.get(text);
    if (safe === undefined) escaped.set(text, (safe = escapeControl(text)));
    return safe;
  };
  const queue = (q: number | null) => (q === null ? 1 : digits(q));
  const columns: Column[] = [
    { head: TABLE_HEAD[0], text: protoText, width: (r) => protoText(r).length, lengthIsWidth: true },
    { head: TABLE_HEAD[1], text: (r) => String(r.recvQ ?? "-"), width: (r) => queue(r.recvQ) },
    { head: TABLE_HEAD[2], text: (r) => String(r.sendQ ?? "-"), width: (r) => queue(r.sendQ) },
    {
      head: TABLE_HEAD[3],
      text: (r) => formatEndpoint(r.localAddress, r.localPort, r.family),
      width: (r) => endpointLength(r.localAddress, r.localPort, r.family),
    },
    {
      head: TABLE_HEAD[4],
      text: (r) => formatEndpoint(r.remoteAddress, r.remotePort, r.family),
      width: (r) => endpointLength(r.remoteAddress, r.remotePort, r.family),
    },
    {
      head: TABLE_HEAD[5],
      text: (r) => r.state ?? "",
      width: (r) => (r.state ?? "").length,
      lengthIsWidth: true,
      // Without colour chalk gives the text back as it is: skip its per-call style objects.
      paint: chalk.level === 0 ? undefined : (r, text) => (r.state ? paint(chalk, STATE_MEANING[r.state], text) : text),
    },
    ...(options.exposure ? [{ head: "Exposure", text: exposureText, width: (r: SocketRecord) => exposureText(r).length, lengthIsWidth: true }] : []),
    {
      head: TABLE_HEAD[6],
      // One holder, and how many more share the socket: "2502/nginx +3" (src/lib/owners.ts).
      text: (r) => (r.pid === null ? "-" : `${r.pid}/${ownerName(name(r.process ?? ""), r)}`),
      width: (r) => (r.pid === null ? 1 : digits(r.pid) + 1 + width(ownerName(name(r.process ?? ""), r))),
    },
  ];
  if (options.names) {
    const local = (r: SocketRecord) => namedEndpoint(r.localHost, r.localAddress, r.localPort, r.localService, r.family);
    const remote = (r: SocketRecord) => namedEndpoint(r.remoteHost, r.remoteAddress, r.remotePort, r.remoteService, r.family);
    columns[3] = { head: TABLE_HEAD[3], text: local, width: (r) => width(local(r)) };
    columns[4] = { head: TABLE_HEAD[4], text: remote, width: (r) => width(remote(r)) };
  }
  if (options.who) {
    // --who: the shown holder's unit, container and command line (escaped like names).
    const unit = (r: SocketRecord) => name(shownHolder(r)?.unit ?? "-");
    const container = (r: SocketRecord) => {
      const c = shownHolder(r)?.container;
      return c ? name(c.pod?.name ? `${c.pod.namespace ?? "?"}/${c.pod.name}/${containerLabel(c)}` : containerLabel(c)) : "-";
    };
    // A command line can be pages long: cut at COMMAND_WIDTH characters (the JSON has it whole).
    const command = (r: SocketRecord) => {
      const text = name(shownHolder(r)?.cmdline ?? "-");
      return text.length > COMMAND_WIDTH ? `${text.slice(0, COMMAND_WIDTH - 1)}…` : text;
    };
    columns.push(
      { head: "Unit", text: unit, width: (r) => width(unit(r)) },
      { head: "Container", text: container, width: (r) => width(container(r)) },
      { head: "Command", text: command, width: (r) => width(command(r)) },
    );
  }
  if (options.timers) columns.push({ head: "Timer", text: (r) => formatTimer(r.timer), width: (r) => formatTimer(r.timer).length, lengthIsWidth: true });
  if (options.extended) for (const [head, text] of EXTENDED_COLUMNS) columns.push({ head, text, width: (r) => text(r).length, lengthIsWidth: true });
  if (options.memory) for (const [head, text] of MEMORY_COLUMNS) columns.push({ head, text, width: (r) => text(r).length, lengthIsWidth: true });
  if (options.info)
    for (const [head, info] of INFO_COLUMNS) {
      const text = (r: SocketRecord) => info(r.tcpInfo);
      columns.push({ head, text, width: (r) => text(r).length, lengthIsWidth: true });
    }
  // --netns: which namespace each socket lives in (its ip-netns name, else net:[inode]).
  const netnsText = (r: SocketRecord) => (r.netns ? name(r.netns.name ?? `net:[${r.netns.inode}]`) : "-");
  if (options.netns) columns.unshift({ head: "Netns", text: netnsText, width: (r) => width(netnsText(r)) });
  return columns;
}

/** Lines per chunk handed to the writer. */
const BATCH = 512;

/**
 * The netstat-like table:
 *
 *   Proto Recv-Q Send-Q Local Address   Foreign Address State  PID/Program
 *   tcp   0      0      127.0.0.1:5432  0.0.0.0:*       LISTEN 812/postgres
 *
 * Each column is as wide as its widest cell plus one space, columns are joined by a space,
 * and only the state is coloured (by meaning). Aligned by hand: a general table library
 * measured seconds for a few thousand rows, and a server lists a hundred thousand. Widths
 * are measured first without making the cells, then each line is made once and written.
 */
export async function* renderTable(records: readonly SocketRecord[], options: TableOptions): AsyncIterable<string> {
  const { chalk, timers = false, info = false, extended = false, memory = false, names = false } = options;
  const sorted = [...records].sort(compareSockets);
  // Process and namespace names are the only text from the system.
  const width = await widthOf(
    sorted,
    (r) => r.process,
    (r) => r.netns?.name,
    (r) => (names ? r.localHost : undefined),
    (r) => (names ? r.remoteHost : undefined),
    (r) => r.owners?.map((o) => `${o.cmdline ?? ""}${o.unit ?? ""}${o.container?.name ?? ""}`).join(""),
  );
  const columns = columnsFor({
    chalk,
    timers,
    info,
    extended,
    memory,
    width,
    names,
    netns: records.some((r) => r.netns),
    exposure: records.some((r) => r.exposure !== undefined),
    who: records.some((r) => r.owners?.some((o) => o.cmdline !== undefined)),
  });

  const widths = columns.map((c) => c.head.length);
  for (const r of sorted) {
    for (let c = 0; c < columns.length; c++) {
      const w = columns[c]!.width(r);
      if (w > widths[c]!) widths[c] = w;
    }
  }

  // Colour goes around the text, padding after it, so escape codes never shift the columns.
  // The last column is not padded: no line ends in spaces.
  const last = columns.length - 1;
  const pad = (c: number, w: number) => (c === last ? "" : " ".repeat(widths[c]! - w + 1));
  let chunk = options.header === false ? "" : `${columns.map((col, c) => `${paintHeader(chalk, col.head)}${pad(c, col.head.length)}`).join(" ")}\n`;
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i]!;
    let line = "";
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c]!;
      const text = col.text(r);
      line += `${c === 0 ? "" : " "}${col.paint ? col.paint(r, text) : text}${pad(c, col.lengthIsWidth ? text.length : col.width(r))}`;
    }
    chunk += `${line}\n`;
    if (i % BATCH === BATCH - 1) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk !== "") yield chunk;
}
