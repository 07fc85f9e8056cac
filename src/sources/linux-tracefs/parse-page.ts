/**
 * Pages of a tracefs ring buffer, as a read() of per_cpu/cpuN/trace_pipe_raw returns them
 * (kernel/trace/ring_buffer.c; the layout is published in events/header_page and
 * events/header_event, which this decoder follows for a 64-bit little-endian kernel):
 *
 *   page:  u64 timestamp | u64 commit (bytes of data; bit 31: events were missed before
 *          this page, bit 30: their count is stored after the data) | data ...
 *   event: u32 header = type_len:5 | time_delta:27, then
 *          type_len 1..28: data of type_len*4 bytes
 *          type_len 0:     u32 length (itself included), data of length-4 bytes
 *          29: padding (u32 length) 30: time extend (delta += array[0] << 27)
 *          31: absolute time stamp (low 59 bits)
 *
 * Each data record starts with the common fields (u16 common_type = event id, u8 flags,
 * u8 preempt count, i32 pid). decodePage() walks one page and hands each record to `onRecord`
 * with its time, without copying: the record lives in `page` at [offset, offset + length).
 */

export interface PageLayout {
  /** Offset of the u64 commit word in the page header. */
  commitOffset: number;
  /** Where the events start. */
  dataOffset: number;
}

/** x86-64, arm64 and every 64-bit kernel: events/header_page says so, parse it to be sure. */
export const PAGE_LAYOUT_64: PageLayout = { commitOffset: 8, dataOffset: 16 };

export type RecordHandler = (page: Buffer, offset: number, length: number, timeNs: number) => void;

export interface PageResult {
  records: number;
  /** Events the kernel says were lost before this page (-1: some, count not stored). */
  missed: number;
  /** Time of the last event, for the next page's absolute-stamp correction. */
  lastNs: number;
}

const MISSED_EVENTS = 0x80000000;
const MISSED_STORED = 0x40000000;
const LENGTH_MASK = 0x3fffffff;
const TWO_27 = 134217728;
const LOW_59 = 2 ** 59;

export function decodePage(page: Buffer, size: number, onRecord: RecordHandler, layout: PageLayout = PAGE_LAYOUT_64): PageResult {
  if (size < layout.dataOffset) return { records: 0, missed: 0, lastNs: 0 };
  let time = Number(page.readBigUInt64LE(0));
  const commit = page.readUInt32LE(layout.commitOffset);
  const length = Math.min(commit & LENGTH_MASK, size - layout.dataOffset);
  let missed = 0;
  if (commit & MISSED_EVENTS) {
    const at = layout.dataOffset + length;
    missed = commit & MISSED_STORED && at + 8 <= size ? Number(page.readBigUInt64LE(at)) : -1;
  }
  const end = layout.dataOffset + length;
  let at = layout.dataOffset;
  let records = 0;
  while (at + 4 <= end) {
    const header = page.readUInt32LE(at);
    const typeLen = header & 0x1f;
    const delta = header >>> 5;
    if (typeLen === 29) {
      // Padding: a discarded event, or (delta 0) the end of the page's events.
      if (delta === 0) break;
      at += 4 + page.readUInt32LE(at + 4);
      continue;
    }
    if (typeLen === 30) {
      time += delta + page.readUInt32LE(at + 4) * TWO_27;
      at += 8;
      continue;
    }
    if (typeLen === 31) {
      const stamp = delta + page.readUInt32LE(at + 4) * TWO_27;
      time = time - (time % LOW_59) + stamp;
      at += 8;
      continue;
    }
    time += delta;
    let dataAt: number;
    let dataLength: number;
    if (typeLen === 0) {
      dataLength = page.readUInt32LE(at + 4) - 4;
      dataAt = at + 8;
      dataLength = (dataLength + 3) & ~3;
    } else {
      dataLength = typeLen * 4;
      dataAt = at + 4;
    }
    if (dataLength <= 0 || dataAt + dataLength > end) break;
    onRecord(page, dataAt, dataLength, time);
    records++;
    at = dataAt + dataLength;
  }
  return { records, missed, lastNs: time };
}

/** The page header's layout from events/header_page, or the 64-bit default when it says nothing clear. */
export function pageLayoutOf(headerPage: string): PageLayout {
  const commit = /field:\s*local_t commit;\s*offset:(\d+);/.exec(headerPage);
  const data = /field:\s*char data;\s*offset:(\d+);/.exec(headerPage);
  return commit && data ? { commitOffset: Number(commit[1]), dataOffset: Number(data[1]) } : PAGE_LAYOUT_64;
}
