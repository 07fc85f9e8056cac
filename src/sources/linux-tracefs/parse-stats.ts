/**
 * A per-CPU `stats` file of a tracefs buffer (instances/NAME/per_cpu/cpuN/stats):
 *
 *   entries: 0
 *   overrun: 12
 *   commit overrun: 0
 *   bytes: 0
 *   oldest event ts:     0.000000
 *   now ts:   314.735213
 *   dropped events: 0
 *   read events: 0
 *
 * -> { overrun: 12, commitOverrun: 0, dropped: 0, read: 0 }. overrun counts events
 * overwritten before they were read (the buffer's overwrite mode, the default), dropped
 * the ones refused when it is off; both are events tcpstat never saw.
 */
export interface CpuBufferStats {
  overrun: number;
  commitOverrun: number;
  dropped: number;
  read: number;
}

export function parseCpuStats(text: string): CpuBufferStats {
  const value = (key: string) => {
    const m = new RegExp(`^${key}:\\s*(\\d+)`, "m").exec(text);
    return m ? Number(m[1]) : 0;
  };
  return { overrun: value("overrun"), commitOverrun: value("commit overrun"), dropped: value("dropped events"), read: value("read events") };
}

/** Events lost in total by one CPU's buffer. */
export const lostOf = (s: CpuBufferStats) => s.overrun + s.commitOverrun + s.dropped;
