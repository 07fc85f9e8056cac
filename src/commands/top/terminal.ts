import { writeSync } from "node:fs";
import { writeChunks } from "../../io.js";

/**
 * The terminal while `top` runs: the alternate screen, no cursor, raw keys; and everything
 * put back on every way out: q, Ctrl-C, SIGTERM, SIGHUP, a crash (an exception the session
 * did not catch) and process exit. Escape codes as `--watch` writes them (ECMA-48 / xterm).
 */
const ENTER = "\x1b[?1049h\x1b[?25l";
const LEAVE = "\x1b[?25h\x1b[?1049l";
const HOME = "\x1b[H";
const ERASE_LINE_END = "\x1b[K";
const ERASE_BELOW = "\x1b[J";
const RESET = "\x1b[0m";

export interface TerminalHooks {
  onKeys: (data: string) => void;
  onResize: () => void;
  /** A signal or a crash: the terminal is already restored; `code` is the exit status. */
  onEnd: (code: number, error?: unknown) => void;
  /** Undone before the terminal is given back (trace's tracefs instance). */
  cleanup: () => void;
}

export class Terminal {
  private restored = false;
  private readonly listeners: Array<[string, (...args: never[]) => void]> = [];

  constructor(private readonly hooks: TerminalHooks) {}

  get columns(): number {
    return process.stdout.columns || 80;
  }

  get rows(): number {
    return process.stdout.rows || 24;
  }

  async enter(): Promise<void> {
    const stdin = process.stdin;
    const on = (event: string, fn: (...args: never[]) => void, target: NodeJS.EventEmitter = process) => {
      target.on(event, fn as never);
      this.listeners.push([event, fn]);
    };
    on("SIGTERM", () => this.end(143));
    on("SIGHUP", () => this.end(129));
    // Ctrl-C arrives as a key in raw mode; SIGINT from elsewhere (kill -INT) means the same.
    on("SIGINT", () => this.end(130));
    on("uncaughtException", (error: unknown) => this.end(1, error));
    on("unhandledRejection", (error: unknown) => this.end(1, error));
    // Whatever else ends the process: the screen is given back, synchronously.
    on("exit", () => this.restoreSync());
    process.stdout.on("resize", this.hooks.onResize);
    stdin.setRawMode(true);
    stdin.setEncoding("utf8");
    stdin.on("data", this.hooks.onKeys);
    stdin.resume();
    await writeChunks([ENTER]);
  }

  /** One frame: each line over the last one's, the rest of the screen erased. */
  async draw(lines: readonly string[]): Promise<void> {
    if (this.restored) return;
    // Each line ends with every attribute reset: no colour of one line (or frame) bleeds into the next.
    await writeChunks([HOME, RESET, lines.join(`${RESET}${ERASE_LINE_END}\n`), RESET, ERASE_LINE_END, ERASE_BELOW]);
  }

  private end(code: number, error?: unknown): void {
    this.restoreSync();
    this.hooks.onEnd(code, error);
  }

  /** Gives the terminal back: the normal screen, the cursor, cooked keys. Safe to call twice. */
  restoreSync(): void {
    if (this.restored) return;
    this.restored = true;
    try {
      this.hooks.cleanup();
    } finally {
      for (const [event, fn] of this.listeners) process.off(event, fn as never);
      process.stdout.off("resize", this.hooks.onResize);
      const stdin = process.stdin;
      stdin.off("data", this.hooks.onKeys);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      // Written at once, not queued: the process may be about to exit.
      try {
        writeSync(1, LEAVE);
      } catch {
        // stdout is gone (the terminal closed: SIGHUP): nothing to restore on it.
      }
    }
  }
}
