import type { NetnsTag, SocketRecord } from "../../model/socket.js";
import { formatSeconds } from "./format.js";
import { HolderCache } from "./holder-cache.js";
import { joinReadings, type Places } from "./places.js";
import { RateBook, type InfoReading } from "./rates.js";

/**
 * What `top` reads beside its refreshes, each at a pace of its own (BUSY_SHARE of the time it
 * costs, as the refresh): the holder scan (holder-cache.ts) and tcp_info of every socket (the
 * rates of the rows off screen; those on screen are read with each refresh, session.ts).
 */

/** Below this many sockets a refresh reads every socket's tcp_info (see wholeWithRefresh). */
const WHOLE_BELOW = 5000;

/** A job that costs more than this share of the interval runs less often (cost / share). */
export const BUSY_SHARE = 0.25;

interface Last {
  end: number;
  costMs: number;
}

/** How long until a job that last cost `costMs` and ended at `end` may run again. */
const wait = (last: Last | null, intervalMs: number): number =>
  last === null ? 0 : last.end + Math.max(intervalMs, last.costMs / BUSY_SHARE) - performance.now();

export class BesideReads {
  readonly screenRates = new RateBook();
  readonly allRates = new RateBook();
  /** The full tcp_info reading's last end and cost; null when ss is missing (bytes/s say "-"). */
  private allInfo: { last: Last | null; running: boolean } | null;

  constructor(
    readonly holders: HolderCache | null,
    ssFound: boolean,
    private readonly intervalMs: number,
    private readonly places: Places,
  ) {
    this.allInfo = ssFound ? { last: null, running: false } : null;
  }

  get tcpInfo(): boolean {
    return this.allInfo !== null;
  }

  /**
   * A holder scan of these records' inodes when its pace allows (or `now`): resolves true when
   * one answered (then or the one running), false when none ran.
   */
  async scanHolders(records: readonly SocketRecord[], now = false): Promise<boolean> {
    const holders = this.holders;
    if (!holders) return false;
    if (holders.scanning) return holders.done.then(() => true);
    if (!now && wait(holders.last, this.intervalMs) > 0) return false;
    const inodes = new Float64Array(records.length);
    let n = 0;
    for (const r of records) if (r.inode) inodes[n++] = r.inode;
    await holders.scan(inodes.subarray(0, n));
    return true;
  }

  /**
   * Whether a refresh over `sockets` reads every socket's tcp_info itself: below WHOLE_BELOW one
   * ss costs less than the filtered ones for the rows on screen (a process each 16 rows).
   */
  wholeWithRefresh(sockets: number): boolean {
    return this.allInfo !== null && sockets < WHOLE_BELOW;
  }

  /** The tcp_info of every socket when its pace allows (beside the refreshes of a big table); `others`: the namespaces besides top's own, asked only then. */
  readAllInfo(sockets: number, others: () => readonly NetnsTag[], failed: (why: string) => void): void {
    const allInfo = this.allInfo;
    if (!allInfo || allInfo.running || this.wholeWithRefresh(sockets) || wait(allInfo.last, this.intervalMs) > 0) return;
    void this.readAllNow(sockets, others(), true).catch((error: Error) => failed(`tcp_info could not be read: ${error.message}`));
  }

  /**
   * The tcp_info of every socket (about `sockets` of them), here and in each of `others` (the
   * namespaces --container read), read now and taken into allRates; resolves with the reading.
   * `bytesOnly`: for the rates alone (off screen, a big table), only the byte counters are
   * kept, and the reading gives no tcp_info.
   */
  async readAllNow(sockets: number, others: readonly NetnsTag[] = [], bytesOnly = false): Promise<InfoReading | null> {
    const allInfo = this.allInfo;
    if (!allInfo) return null;
    allInfo.running = true;
    const started = performance.now();
    const at = Date.now();
    try {
      const { collectTcpInfo } = await import("../../sources/linux-ss/collect-info.js");
      const fields = bytesOnly ? ("bytes" as const) : ("all" as const);
      const inside = others.map((tag) => this.places.runners(tag)).filter((r) => r != null);
      const readings = await Promise.all([
        collectTcpInfo({ expected: sockets + 1024, fields }),
        ...inside.map((r) => collectTcpInfo({ fields, lines: r.lines })),
      ]);
      const stores = readings.map((r) => r.byInode as InfoReading);
      if (stores.some((store) => typeof store.inodes !== "function")) return null;
      const store = joinReadings(stores);
      // The middle of ss's run stands for the time of its reading.
      await this.allRates.take(store, (at + Date.now()) / 2, true);
      return store;
    } finally {
      allInfo.running = false;
      allInfo.last = { end: performance.now(), costMs: performance.now() - started };
    }
  }

  /** What the header says of them: still reading, or read less often than the refresh. */
  behind(holdersPending: boolean): string[] {
    const out: string[] = [];
    const slower = (last: Last | null) => (last && last.costMs / BUSY_SHARE > this.intervalMs ? formatSeconds(last.costMs / BUSY_SHARE) : null);
    const h = this.holders;
    if (h && (h.last === null || holdersPending)) out.push("holders: reading");
    else if (h && slower(h.last)) out.push(`holders every ${slower(h.last)}`);
    if (this.allInfo && this.allInfo.last === null) out.push("bytes/s: reading");
    else if (this.allInfo && slower(this.allInfo.last)) out.push(`bytes/s off screen every ${slower(this.allInfo.last)}`);
    return out;
  }
}
