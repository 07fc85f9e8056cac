import type { TcpInfo } from "../../model/socket.js";
import { turn } from "./turn.js";

/**
 * Each connection's bytes a second, from tcp_info's bytes_acked and bytes_received counters
 * (ss), by inode: a rate is the change between a socket's last two readings over the time
 * between them. Readings come of two kinds, each in a book of its own (a rate compares two
 * readings of one kind, whose times are alike): every socket (the full `ss -tainHOe`, at a slow
 * cadence on a big table) and the rows on screen (a filtered ss each refresh). Each reading
 * drops what it no longer has (see take), so a long run does not grow.
 *
 *   t=0 s bytes_acked 1000, t=2 s 5000  ->  sent 2000 B/s until the socket's next reading
 */
interface Counted {
  sent: number;
  recv: number;
  time: number;
  sentBps: number | null;
  recvBps: number | null;
}

export interface InfoReading {
  get(inode: number): TcpInfo | undefined;
  inodes(): IterableIterator<number>;
}

/** Rows between two turns of the event loop while a full reading is taken in. */
const CHUNK = 4000;

export class RateBook {
  private counted = new Map<number, Counted>();
  /** When the last reading was taken (Date.now()), null before the first. */
  at: number | null = null;

  /**
   * A reading taken at `time` (the middle of ss's run). `all`: of every socket, and those it
   * lacks are dropped; otherwise of some, and those neither it nor the one before read are
   * dropped. Yields to keys every CHUNK sockets.
   */
  async take(reading: InfoReading, time: number, all: boolean): Promise<void> {
    const into = all ? new Map<number, Counted>() : this.counted;
    let n = 0;
    for (const inode of reading.inodes()) {
      if (++n % CHUNK === 0) await turn();
      const counted = this.count(reading.get(inode), time, this.counted.get(inode));
      if (counted) into.set(inode, counted);
    }
    if (!all && this.at !== null) for (const [inode, c] of into) if (c.time < this.at) into.delete(inode);
    this.counted = into;
    this.at = time;
  }

  private count(ti: TcpInfo | undefined, time: number, before: Counted | undefined): Counted | undefined {
    if (!ti || ti.bytesAcked === null || ti.bytesReceived === null) return before;
    if (before && before.time >= time) return before;
    const now: Counted = { sent: ti.bytesAcked, recv: ti.bytesReceived, time, sentBps: null, recvBps: null };
    if (before && now.sent >= before.sent && now.recv >= before.recv) {
      const seconds = (now.time - before.time) / 1000;
      now.sentBps = (now.sent - before.sent) / seconds;
      now.recvBps = (now.recv - before.recv) / seconds;
    }
    return now;
  }

  /** The socket's last rate: null when it has not been read twice yet. */
  of(inode: number | null): { sentBps: number | null; recvBps: number | null; time: number } | undefined {
    return inode === null ? undefined : this.counted.get(inode);
  }
}
