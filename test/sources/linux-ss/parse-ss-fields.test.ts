import { describe, expect, it } from "vitest";
import { parseSsFields } from "../../../src/sources/linux-ss/parse-ss-fields.js";

/** Lines as `ss -tinHOe` printed them on Linux 6.18 with iproute2 6.x (a loopback connection, both ends). */
const CLIENT =
  "0      0               127.0.0.1:59298          127.0.0.1:19555 ino:63236473 sk:19143d8 cgroup:/ <-> ts sack bbr wscale:10,10 rto:204 rtt:0.116/0.08 mss:47616 pmtu:65535 rcvmss:536 advmss:65483 cwnd:13 bytes_sent:100000 bytes_acked:100001 segs_out:5 segs_in:3 data_segs_out:3 bbr:(bw:7935992424bps,mrtt:0.048,pacing_gain:2.88672,cwnd_gain:2.88672) send 42690206897bps lastsnd:652 lastrcv:652 lastack:652 pacing_rate 73387382296bps delivery_rate 3059662648bps delivered:4 rcv_space:65495 rcv_ssthresh:65495 minrtt:0.048 snd_wnd:93184";
const SERVER =
  "0      0      [::ffff:127.0.0.1]:19555 [::ffff:127.0.0.1]:59298 ino:63236474 sk:19143d9 cgroup:/ <-> ts sack bbr wscale:10,10 rto:200 rtt:0.026/0.013 ato:40 mss:32768 pmtu:65535 rcvmss:34518 advmss:65483 cwnd:10 bytes_received:100000 segs_out:2 segs_in:5 data_segs_in:3 bbr:(bw:0bps,mrtt:0.026) send 100824615385bps lastsnd:672 lastrcv:672 lastack:672 pacing_rate 288141767440bps delivered:1 app_limited rcv_rtt:0.043 rcv_space:67259 rcv_ssthresh:94833 minrtt:0.026 snd_wnd:65536                                                     ";

describe("parseSsFields: every field ss prints, by its names", () => {
  it("reads words alone, name:value, and the words whose value follows a space", () => {
    const { inode, fields } = parseSsFields(CLIENT);
    expect(inode).toBe(63236473);
    expect(fields.slice(0, 6)).toEqual([["ts", null], ["sack", null], ["bbr", null], ["wscale", "10,10"], ["rto", "204"], ["rtt", "0.116/0.08"]]);
    const byName = new Map(fields);
    expect(fields).toContainEqual(["bbr", "(bw:7935992424bps,mrtt:0.048,pacing_gain:2.88672,cwnd_gain:2.88672)"]);
    expect([byName.get("send"), byName.get("pacing_rate"), byName.get("delivery_rate")]).toEqual(["42690206897bps", "73387382296bps", "3059662648bps"]);
    expect([byName.get("pmtu"), byName.get("rcv_space"), byName.get("snd_wnd")]).toEqual(["65535", "65495", "93184"]);
    // Each word of the line after "<->" is in exactly one field.
    const words = CLIENT.slice(CLIENT.indexOf("<->") + 4).trim().split(/\s+/);
    expect(fields.flatMap(([k, v]) => (v === null ? [k] : ["send", "pacing_rate", "delivery_rate"].includes(k) ? [k, v] : [`${k}:${v}`]))).toEqual(words);
  });

  it("keeps a flag among the fields, and the trailing blanks out", () => {
    const { inode, fields } = parseSsFields(SERVER);
    expect(inode).toBe(63236474);
    expect(fields).toContainEqual(["app_limited", null]);
    expect(fields.at(-1)).toEqual(["snd_wnd", "65536"]);
  });

  it("gives no fields for a socket without tcp_info (TIME_WAIT)", () => {
    expect(parseSsFields("0 0 127.0.0.1:40000 127.0.0.1:80 timer:(timewait,59sec,0) ino:0 sk:1")).toEqual({ inode: 0, fields: [] });
  });
});
