import type { Problem, TcpInfo } from "../../model/socket.js";

/**
 * `ss -tinHOe` output (one socket a line, -O) read into tcp_info records keyed by inode
 * (sockets ss gives no tcp_info for, TIME_WAIT and SYN_RECV, have no `<->` part):
 *
 *   ESTAB 0 0 127.0.0.1:43428 127.0.0.1:5000 ino:1224311 sk:82d cgroup:/ <-> ts sack bbr
 *     wscale:10,10 rto:204 rtt:0.024/0.013 mss:32768 cwnd:11 bytes_sent:100 bytes_acked:101
 *     segs_out:3 segs_in:2 send 120149333333bps lastsnd:16 lastrcv:16 lastack:16
 *     pacing_rate 287904345936bps delivery_rate 26214400000bps retrans:0/2 minrtt:0.01
 *
 * ss prints a counter only when it is not 0 (iproute2 misc/ss.c, tcp_stats_print): a counter it
 * leaves out is 0; a gauge it leaves out (rtt, rto, mss, ...) is unknown, null.
 */

export interface SsInfo {
  byInode: Map<number, TcpInfo>;
  problems: Problem[];
}

/** Words ss prints before the congestion algorithm's name that are not it. */
const FLAGS = new Set(["ts", "sack", "ecn", "ecnseen", "fastopen", "app_limited", "bidir"]);

const num = (s: string | undefined): number | null => {
  if (s === undefined) return null;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n : null;
};
const int = (s: string | undefined): number | null => {
  const n = num(s);
  return n === null ? null : Math.round(n);
};
/** "12ms(3.1%)" or "12ms" -> 12. */
const msOf = (s: string | undefined) => num(s?.replace(/ms.*$/, ""));
/** "26214400000bps" -> 26214400000 (ss -n prints rates as plain bits per second). */
const bps = (s: string | undefined) => int(s?.replace(/bps$/, ""));

export function emptyInfo(source: TcpInfo["source"]): TcpInfo {
  return {
    source, congestion: null, rttMs: null, rttVarMs: null, minRttMs: null, rtoMs: null, atoMs: null, mss: null, cwnd: null, ssthresh: null,
    retransmits: null, totalRetrans: null, lost: null, unacked: null, sacked: null, bytesSent: null, bytesAcked: null, bytesReceived: null,
    segsOut: null, segsIn: null, lastSendMs: null, lastRecvMs: null, lastAckMs: null, deliveryRateBps: null, pacingRateBps: null,
    sndWscale: null, rcvWscale: null, busyMs: null, rwndLimitedMs: null, sndbufLimitedMs: null,
  };
}

/** The tcp_info words after `<->` of one line. */
export function parseInfoWords(words: readonly string[]): TcpInfo {
  const info = emptyInfo("ss");
  // Counters ss leaves out when 0.
  info.retransmits = info.totalRetrans = info.lost = info.unacked = info.sacked = 0;
  info.bytesSent = info.bytesAcked = info.bytesReceived = info.segsOut = info.segsIn = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const colon = w.indexOf(":");
    if (colon < 0) {
      if (w === "send") i++;
      else if (w === "pacing_rate") info.pacingRateBps = bps(words[++i]);
      else if (w === "delivery_rate") info.deliveryRateBps = bps(words[++i]);
      else if (!FLAGS.has(w) && info.congestion === null && /^[a-z][\w-]*$/.test(w)) info.congestion = w;
      continue;
    }
    const key = w.slice(0, colon);
    const value = w.slice(colon + 1);
    switch (key) {
      case "rtt": {
        const [rtt, v] = value.split("/");
        info.rttMs = num(rtt);
        info.rttVarMs = num(v);
        break;
      }
      case "wscale": {
        const [s, r] = value.split(",");
        info.sndWscale = int(s);
        info.rcvWscale = int(r);
        break;
      }
      case "retrans": {
        const [now, total] = value.split("/");
        info.retransmits = int(now);
        info.totalRetrans = int(total);
        break;
      }
      case "rto": info.rtoMs = num(value); break;
      case "ato": info.atoMs = num(value); break;
      case "minrtt": info.minRttMs = num(value); break;
      case "mss": info.mss = int(value); break;
      case "cwnd": info.cwnd = int(value); break;
      case "ssthresh": info.ssthresh = int(value); break;
      case "lost": info.lost = int(value); break;
      case "unacked": info.unacked = int(value); break;
      case "sacked": info.sacked = int(value); break;
      case "bytes_sent": info.bytesSent = int(value); break;
      case "bytes_acked": info.bytesAcked = int(value); break;
      case "bytes_received": info.bytesReceived = int(value); break;
      case "segs_out": info.segsOut = int(value); break;
      case "segs_in": info.segsIn = int(value); break;
      case "lastsnd": info.lastSendMs = num(value); break;
      case "lastrcv": info.lastRecvMs = num(value); break;
      case "lastack": info.lastAckMs = num(value); break;
      case "busy": info.busyMs = msOf(value); break;
      case "rwnd_limited": info.rwndLimitedMs = msOf(value); break;
      case "sndbuf_limited": info.sndbufLimitedMs = msOf(value); break;
      default: break;
    }
  }
  return info;
}

export function parseSsInfo(text: string, source = "ss -tinHOe"): SsInfo {
  const byInode = new Map<number, TcpInfo>();
  const problems: Problem[] = [];
  // Line by line without splitting the whole text (45 MB at 100k sockets), and only the words
  // after `<->` split: the columns before it are checked by a pattern, the inode found by search.
  let n = 0;
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    const line = text.slice(at, end);
    at = end + 1;
    n++;
    if (line.trim() === "") continue;
    // State Recv-Q Send-Q Local Peer, then the -e words (ino:, sk:, ...).
    if (!HEAD.test(line)) {
      problems.push({ source, line: n, text: line.slice(0, 200), reason: "not an ss -tinHOe line" });
      continue;
    }
    const sep = line.indexOf(" <-> ");
    if (sep < 0) continue; // no tcp_info for this socket (TIME_WAIT, SYN_RECV)
    const ino = line.lastIndexOf(" ino:", sep);
    const inode = ino < 0 ? 0 : parseInt(line.slice(ino + 5, sep), 10);
    if (!(inode > 0)) continue;
    byInode.set(inode, parseInfoWords(line.slice(sep + 5).split(" ").filter((w) => w !== "")));
  }
  return { byInode, problems };
}

const HEAD = /^\s*\S+\s+\d+\s+\d+\s+\S+\s+\S+/;
