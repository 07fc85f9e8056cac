import type { ParseResult, Problem, SocketRecord } from "../model/socket.js";

/**
 * The last check a parser makes before keeping a record: every number is a whole number in the
 * safe range, ports fit in 16 bits and a pid is positive. A damaged line can carry digits no
 * system prints (a pid of 4777947779477794777947779); Number() would round it to a float that
 * no longer names anything, so the line becomes a problem instead.
 *
 *   outOfRange({ ...record, pid: 4.8e24 })  -> "pid 4.8e+24 is out of range"
 *   outOfRange(record)                      -> undefined
 */
const COUNTS = ["recvQ", "sendQ", "uid", "inode"] as const;

function outOfRange(r: SocketRecord): string | undefined {
  const bad = (name: string, value: number) => `${name} ${value} is out of range`;
  if (!isPort(r.localPort)) return bad("local port", r.localPort);
  if (r.remotePort !== null && !isPort(r.remotePort)) return bad("remote port", r.remotePort);
  if (r.pid !== null && !(Number.isSafeInteger(r.pid) && r.pid > 0)) return bad("pid", r.pid);
  for (const key of COUNTS) {
    const v = r[key];
    if (v !== null && !(Number.isSafeInteger(v) && v >= 0)) return bad(key, v);
  }
  for (const o of r.owners ?? []) {
    if (!(Number.isSafeInteger(o.pid) && o.pid > 0)) return bad("pid", o.pid);
    if (o.fd !== null && !(Number.isSafeInteger(o.fd) && o.fd >= 0)) return bad("fd", o.fd);
  }
  if (r.timer) {
    if (!(Number.isSafeInteger(r.timer.expiresInMs) && r.timer.expiresInMs >= 0)) return bad("timer", r.timer.expiresInMs);
    if (!(Number.isSafeInteger(r.timer.retransmits) && r.timer.retransmits >= 0)) return bad("retransmit count", r.timer.retransmits);
  }
  return undefined;
}

const isPort = (p: number) => Number.isInteger(p) && p >= 0 && p <= 65535;

/**
 * A parser's last step for a row: keep the record if outOfRange finds nothing wrong,
 * else count the row as a problem, quoting it with its line number. Returns whether it was kept.
 */
export function keepChecked(r: SocketRecord, out: ParseResult, where: Omit<Problem, "reason">): boolean {
  const bad = outOfRange(r);
  if (bad) out.problems.push({ ...where, reason: bad });
  else out.records.push(r);
  return !bad;
}
