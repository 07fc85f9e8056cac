import type { ChalkInstance } from "chalk";
import type { Command } from "commander";
import { z } from "zod";
import { EXIT, usageError } from "../errors.js";
import { stdoutChalk, writeChunks } from "../io.js";
import type { SocketRecord } from "../model/socket.js";
import { SocketTracker, diffEvents } from "../lib/watch-diff.js";
import { renderWatchTable } from "../format/watch.js";
import { DEFAULT_WATCH_SECONDS, type WatchFlags } from "./watch-options.js";
import { toJson } from "../lib/safe-text.js";

/**
 * `--watch [SECONDS]` for the list and for summary: redraw in place on a terminal,
 * append one frame per interval otherwise, or stream events with --ndjson.
 */

export interface WatchPlan {
  intervalMs: number;
  /** Frames to show before stopping; undefined = until interrupted. */
  count?: number;
}

const Seconds = z.coerce.number().finite().min(0.1).max(86_400);
const Count = z.coerce.number().int().min(1);

/** Validated watch settings, or null when --watch was not given. */
export function watchPlan(flags: WatchFlags): WatchPlan | null {
  if (flags.watch === undefined || flags.watch === false) {
    if (flags.count !== undefined) throw usageError("--count needs --watch", "add --watch [SECONDS], e.g. --watch 1 --count 5");
    return null;
  }
  const seconds = flags.watch === true ? DEFAULT_WATCH_SECONDS : Seconds.safeParse(flags.watch);
  if (typeof seconds !== "number" && !seconds.success)
    throw usageError(`bad interval '${String(flags.watch)}' for --watch`, "give seconds between 0.1 and 86400, e.g. --watch 2");
  let count: number | undefined;
  if (flags.count !== undefined) {
    const parsed = Count.safeParse(flags.count);
    if (!parsed.success) throw usageError(`bad frame count '${flags.count}' for --count`, "give a whole number of frames, 1 or more");
    count = parsed.data;
  }
  return { intervalMs: (typeof seconds === "number" ? seconds : seconds.data) * 1000, count };
}

// Terminal control (ECMA-48 / xterm): alternate screen, cursor, home, erase.
const ENTER = "\x1b[?1049h\x1b[?25l";
const LEAVE = "\x1b[?25h\x1b[?1049l";
const HOME = "\x1b[H";
const ERASE_LINE_END = "\x1b[K";
const ERASE_BELOW = "\x1b[J";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * A frame cut to the terminal: each line to `columns` columns (never wrapped: a wrapped line
 * would push the header off the top), and no more lines than `rows` - 1, so the screen never
 * scrolls. Escape codes (colour) take no column; a line cut inside a colour is reset.
 *
 *   fitToScreen("Proto  Recv-Q ...\ntcp ...", 20, 10)  ->  each line's first 20 columns
 */
export function fitToScreen(text: string, columns: number, rows: number): string {
  const lines = text.split("\n");
  const ended = lines[lines.length - 1] === "";
  if (ended) lines.pop();
  const kept = rows > 1 ? lines.slice(0, rows - 1) : lines;
  const cut = kept.map((line) => cutLine(line, columns));
  return `${cut.join("\n")}${ended ? "\n" : ""}`;
}

const ESCAPE = /^\x1b\[[0-9;?]*[A-Za-z]/;

function cutLine(line: string, columns: number): string {
  let used = 0;
  let out = "";
  let painted = false;
  for (let i = 0; i < line.length; ) {
    const escape = line.charCodeAt(i) === 0x1b ? ESCAPE.exec(line.slice(i)) : null;
    if (escape) {
      out += escape[0];
      painted = true;
      i += escape[0].length;
      continue;
    }
    const ch = String.fromCodePoint(line.codePointAt(i)!);
    const w = ch.charCodeAt(0) < 0x7f ? 1 : charWidth(ch);
    if (used + w > columns) return painted ? `${out}\x1b[0m` : out;
    out += ch;
    used += w;
    i += ch.length;
  }
  return out;
}

/** Columns of one character beyond ASCII: two for wide (CJK, emoji), none for combining marks. */
function charWidth(ch: string): number {
  if (/\p{Mn}|\p{Me}|\u200b/u.test(ch)) return 0;
  return /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|\p{Extended_Pictographic}/u.test(ch) ? 2 : 1;
}

/**
 * Runs frames on a schedule (no drift: frame i is due at start + i * interval).
 * On a terminal the frames replace each other on the alternate screen, each cut to the
 * screen (fitToScreen); Ctrl-C, `q`, SIGTERM or the last frame restore the screen and the
 * cursor, and the last frame, with its time line, is written again on the normal screen,
 * where it stays. Elsewhere each frame is appended, preceded by `header(time)` when given.
 */
export async function runFrames(
  plan: WatchPlan,
  frame: () => Promise<string[]>,
  options: { tty: boolean; header?: (time: Date) => string },
): Promise<void> {
  let last: string[] = [];
  let restored = !options.tty;
  const stdin = process.stdin;
  const keys = options.tty && Boolean(stdin.isTTY);
  const restore = async () => {
    if (restored) return;
    restored = true;
    if (keys) {
      stdin.setRawMode(false);
      stdin.off("data", onKey);
      stdin.pause();
    }
    await writeChunks([LEAVE]);
    // The last frame stays on the normal screen, whole: there it may scroll.
    await writeChunks(last);
  };
  const interrupt = (code: number) => () => {
    void restore().then(() => process.exit(code));
  };
  const onInt = interrupt(EXIT.interrupted);
  const onTerm = interrupt(EXIT.terminated);
  const quit = interrupt(EXIT.ok);
  // Raw mode: `q` quits; Ctrl-C arrives as a byte rather than a signal, and means the same as SIGINT.
  const onKey = (data: Buffer) => {
    if (data.includes(0x03)) onInt();
    else if (data.includes(0x71) || data.includes(0x51)) quit();
  };
  if (options.tty) {
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
    if (keys) {
      stdin.setRawMode(true);
      stdin.on("data", onKey);
      stdin.resume();
    }
    await writeChunks([ENTER]);
  }
  try {
    const start = Date.now();
    for (let i = 0; plan.count === undefined || i < plan.count; i++) {
      if (i > 0) await sleep(start + i * plan.intervalMs - Date.now());
      const chunks = await frame();
      const head = options.header ? options.header(new Date()) : "";
      last = head === "" ? chunks : [head, ...chunks];
      if (options.tty) {
        const fitted = fitToScreen(head + chunks.join(""), process.stdout.columns || 80, process.stdout.rows || 24);
        const text = fitted.replace(/\n/g, `${ERASE_LINE_END}\n`);
        await writeChunks([HOME, text, ERASE_BELOW]);
      } else {
        await writeChunks(last);
      }
    }
  } finally {
    if (options.tty) {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      await restore();
    }
  }
}

/**
 * `tcpstat --watch`: checks the flags that matter, then watches. `read(frame)` collects the
 * sockets (the caller's loadReport, quiet after the first frame so notices are said once).
 */
export async function runListWatch(
  flags: WatchFlags & { ndjson?: boolean; timers?: boolean; color?: boolean; input?: string },
  format: string,
  read: (frame: number) => Promise<{ records: SocketRecord[] }>,
): Promise<void> {
  // runList comes here only with --watch or --count: a plan, or watchPlan's usage error.
  const plan = watchPlan(flags)!;
  if (format !== "table" && format !== "ndjson")
    throw usageError(`--watch shows a table or streams events; it cannot repeat --format ${format}`, "use --watch alone, or --watch --ndjson for events");
  if (flags.input === "-") throw usageError("--watch cannot re-read standard input", "give --input a file, or watch this machine");
  let frame = 0;
  const chalk = await stdoutChalk(flags.color);
  await watchList(plan, async () => (await read(frame++)).records, {
    ndjson: format === "ndjson",
    chalk,
    timers: Boolean(flags.timers),
    tty: Boolean(process.stdout.isTTY),
  });
}

/** The list under --watch: a marked table per frame, or NDJSON events with --ndjson. */
async function watchList(
  plan: WatchPlan,
  read: () => Promise<SocketRecord[]>,
  options: { ndjson: boolean; chalk: ChalkInstance; timers: boolean; tty: boolean },
): Promise<void> {
  const tracker = new SocketTracker();
  if (options.ndjson) {
    await runFrames(
      plan,
      async () => diffEvents(tracker.update(await read())).map((e) => `${toJson(e)}\n`),
      { tty: false },
    );
    return;
  }
  await runFrames(plan, async () => renderWatchTable(tracker.update(await read()), options), {
    tty: options.tty,
    header: (time) => `--- ${time.toISOString()} ---\n`,
  });
}
