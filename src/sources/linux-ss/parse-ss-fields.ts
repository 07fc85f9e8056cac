import { SEPARATOR } from "./parse-ss-info.js";

/**
 * Every field `ss -tinHOe` prints for one socket, by ss's own names and in its order, beyond the
 * tcp_info record the model keeps (parse-ss-info.ts): top's details panel shows them all, as
 * `ss -ti` users know them.
 *
 *   ESTAB 0 0 127.0.0.1:59298 127.0.0.1:19555 ino:63236473 sk:19143d8 cgroup:/ <-> ts sack bbr
 *     wscale:10,10 rto:204 rtt:0.116/0.08 mss:47616 pmtu:65535 send 42690206897bps app_limited
 *   -> inode 63236473; ts, sack, bbr (words alone), wscale 10,10, rto 204, rtt 0.116/0.08,
 *      mss 47616, pmtu 65535, send 42690206897bps, app_limited
 *
 * A word ss prints before its value (send, pacing_rate, delivery_rate) takes the next word.
 * A line without the `<->` part (TIME_WAIT, SYN_RECV: no tcp_info) gives no fields.
 */
export interface SsFields {
  inode: number | null;
  /** [name, value]; value null for a word alone (a flag, the congestion algorithm). */
  fields: Array<[string, string | null]>;
}

/** Words ss prints with their value after a space. */
const SPACED = new Set(["send", "pacing_rate", "delivery_rate"]);

export function parseSsFields(line: string): SsFields {
  const ino = /\bino:(\d+)/.exec(line);
  const inode = ino ? Number(ino[1]) : null;
  // Between the socket's columns and tcp_info: `<->`, or `-->`, `<--`, `---` for a socket shut one way or both.
  const arrow = SEPARATOR.exec(line);
  if (!arrow) return { inode, fields: [] };
  const words = line.slice(arrow.index + arrow[0].length).trim().split(/\s+/).filter(Boolean);
  const fields: Array<[string, string | null]> = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const colon = word.indexOf(":");
    if (colon > 0) fields.push([word.slice(0, colon), word.slice(colon + 1)]);
    else if (SPACED.has(word) && i + 1 < words.length) fields.push([word, words[++i]!]);
    else fields.push([word, null]);
  }
  return { inode, fields };
}
