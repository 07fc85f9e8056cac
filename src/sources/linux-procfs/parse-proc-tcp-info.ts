import type { TcpInfo } from "../../model/socket.js";
import { emptyInfo } from "../linux-ss/parse-ss-info.js";

/**
 * The few tcp_info fields /proc/net/tcp and tcp6 carry, for -i where ss is missing
 * (net/ipv4/tcp_ipv4.c get_tcp4_sock): after the inode come refcount, pointer, rto and ato
 * (clock ticks, USER_HZ), quick-ack/ping-pong, snd_cwnd and snd_ssthresh (-1 in slow start);
 * the retrnsmt column is icsk_retransmits.
 *
 *   1: 0100007F:A9A4 0100007F:1388 01 00000000:00000000 00:00000000 00000000 0 0 1224311 2 0000000024352c5e 20 4 30 10 -1
 *   -> inode 1224311: rto 200 ms, ato 40 ms, cwnd 10, ssthresh null, retransmits 0
 */
export function parseProcTcpInfo(text: string, userHz = 100): Map<number, TcpInfo> {
  const byInode = new Map<number, TcpInfo>();
  const tick = 1000 / userHz;
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref ptr rto ato qp cwnd ssthresh
    if (f.length < 17 || !/^\d+:$/.test(f[0]!)) continue;
    const inode = Number(f[9]);
    if (!(inode > 0)) continue;
    const info = emptyInfo("proc");
    const n = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : null);
    const rto = n(f[12]);
    const ato = n(f[13]);
    info.rtoMs = rto === null ? null : rto * tick;
    info.atoMs = ato === null ? null : ato * tick;
    info.cwnd = n(f[15]);
    info.ssthresh = n(f[16]);
    info.retransmits = /^[0-9A-Fa-f]+$/.test(f[6]!) ? parseInt(f[6]!, 16) : null;
    byInode.set(inode, info);
  }
  return byInode;
}
