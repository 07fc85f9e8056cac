import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SocketTracker, keyRecords, type FrameDiff, type Tracked } from "../../src/lib/watch-diff.js";
import type { SocketRecord } from "../../src/model/socket.js";
import type { TcpState } from "../../src/model/state.js";
import { runs } from "../property/harness.js";

/**
 * SocketTracker (lib/watch-diff.ts) meets most sockets of a reading again by walking the last
 * reading beside it in inode order, and looks up by key only the rest. Whatever the readings
 * (endpoints shared, rows repeated, inodes 0 and reused, states moving), each update must mean
 * what a lookup of every key would: the keys keyRecords gives the reading alone; opened, the keys
 * new since the last reading; closed, those gone, in its order; the rest carried over as the same
 * entry, and changed where their state moved.
 */

const STATES: TcpState[] = ["ESTABLISHED", "TIME_WAIT", "CLOSE_WAIT", "LISTEN", "SYN_SENT"];

const record = fc
  .record({
    localPort: fc.constantFrom(80, 40000, 40001),
    remotePort: fc.constantFrom(null, 80, 40000),
    inode: fc.constantFrom(null, 0, 1, 2, 3, 4, 5),
    state: fc.constantFrom(...STATES),
    pid: fc.constantFrom(null, 7, 8),
  })
  .map(
    (r): SocketRecord => ({
      proto: "tcp", family: "ipv4", localAddress: "127.0.0.1", localPort: r.localPort, remoteAddress: r.remotePort === null ? null : "127.0.0.1",
      remotePort: r.remotePort, state: r.state, recvQ: 0, sendQ: 0, pid: r.pid, process: r.pid === null ? null : `p${r.pid}`, uid: 0, user: "root",
      inode: r.inode, timer: null,
    }),
  );

/** A reading: sockets, some read twice (a row the kernel repeated). */
const reading = fc.array(record, { maxLength: 12 }).chain((rs) => fc.subarray(rs).map((again) => [...rs, ...again.map((r) => ({ ...r }))]));

const same = (got: readonly Tracked[], want: readonly Tracked[]) => {
  expect(got).toHaveLength(want.length);
  got.forEach((t, i) => expect(t).toBe(want[i]));
};

describe("SocketTracker over random readings", () => {
  it("means what a lookup of every key would: opened, closed, carried and changed", () => {
    fc.assert(
      fc.property(fc.array(reading, { minLength: 2, maxLength: 6 }), (readings) => {
        const tracker = new SocketTracker();
        let last: FrameDiff | undefined;
        readings.forEach((records, time) => {
          const states = new Map([...(last?.current ?? [])].map(([key, t]) => [key, t.record.state]));
          const diff = tracker.update(records, time);
          const before = last?.current ?? new Map<string, Tracked>();
          const now = [...diff.current];
          const alone = keyRecords(records);
          expect(now.map(([key]) => key)).toEqual([...alone.keys()]);
          // Each key's record the one the reading alone gives it (a twin's the later read).
          for (const [key, t] of now) expect(t.record).toBe(alone.get(key));
          same(diff.opened, now.filter(([key]) => !before.has(key)).map(([, t]) => t));
          same(diff.closed, [...before].filter(([key]) => !diff.current.has(key)).map(([, t]) => t));
          for (const [key, t] of now) if (before.has(key)) expect(t).toBe(before.get(key));
          const moved = now.filter(([key, t]) => before.has(key) && states.get(key) !== t.record.state);
          same(diff.changed.map((c) => c.tracked), moved.map(([, t]) => t));
          expect(diff.changed.map((c) => c.from)).toEqual(moved.map(([key]) => states.get(key)));
          last = diff;
        });
      }),
      runs(500),
    );
  });
});
