import { spawn, type ChildProcess } from "node:child_process";
import { openSpool, type Spool } from "./spool.js";

/**
 * A command begun for execChunks (src/lib/exec.ts), its stdout in a spool where one can be
 * made (src/lib/spool.ts), else a pipe. It may be begun before the CLI loads (src/start.ts,
 * for -i's table without owners): what happens until the run takes it over is kept, and a
 * spool lets the command print all it has meanwhile, waiting for nobody. One never taken is
 * killed at exit, its spool closed.
 */
export interface SpooledChild {
  readonly path: string;
  readonly args: readonly string[];
  readonly child: ChildProcess;
  /** Where stdout goes when it is not a pipe: read it as it grows. */
  readonly spool: Spool | undefined;
  /** Hands over what came so far, then each event as it comes; taken once. */
  adopt(take: ChildListeners): void;
}

export interface ChildListeners {
  /** A piece of stdout, when it is a pipe. */
  data(chunk: Buffer): void;
  said(chunk: Buffer): void;
  close(code: number | null): void;
  error(error: NodeJS.ErrnoException): void;
}

/**
 * Spawns `path args` now (a fixed argv, no shell), its events kept until adopted. `room`: the
 * most it may print, to be spooled (a spool goes where that fits), or undefined for a pipe;
 * `dirs`: where a spool may go.
 */
export function beginChild(path: string, args: readonly string[], room: number | undefined, dirs?: readonly string[]): SpooledChild {
  const spool = room === undefined ? undefined : openSpool(room, dirs);
  const child = spawn(path, [...args], { stdio: ["ignore", spool?.fd ?? "pipe", "pipe"], windowsHide: true, shell: false });
  const chunks: Buffer[] = [];
  const said: Buffer[] = [];
  let closed: { code: number | null } | undefined;
  let failed: NodeJS.ErrnoException | undefined;
  let taken: ChildListeners | undefined;
  child.stdout?.on("data", (chunk: Buffer) => (taken ? taken.data(chunk) : chunks.push(chunk)));
  child.stderr?.on("data", (chunk: Buffer) => (taken ? taken.said(chunk) : said.push(chunk)));
  child.on("close", (code: number | null) => (taken ? taken.close(code) : (closed = { code })));
  child.on("error", (error: NodeJS.ErrnoException) => (taken ? taken.error(error) : (failed = error)));
  const stray = () => {
    if (taken) return;
    child.kill("SIGKILL");
    spool?.done();
  };
  process.once("exit", stray);
  return {
    path,
    args,
    child,
    spool,
    adopt(listeners) {
      if (taken) throw new Error("a begun command is taken once");
      taken = listeners;
      process.off("exit", stray);
      for (const chunk of chunks.splice(0)) listeners.data(chunk);
      for (const chunk of said.splice(0)) listeners.said(chunk);
      if (failed) listeners.error(failed);
      else if (closed) listeners.close(closed.code);
    },
  };
}

/**
 * Commands begun before the CLI loaded, and the place they wait in until execChunks runs the
 * same: neither they nor their streams keep the event loop alive meanwhile.
 */
const early: SpooledChild[] = [];
/** The child and its pipes, which count for the event loop (a pipe is a net.Socket). */
type Handle = { ref(): unknown; unref(): unknown };
const handles = (begun: SpooledChild) => [begun.child, begun.child.stdout, begun.child.stderr].filter(Boolean) as unknown as Handle[];

export function handOverEarlyChild(begun: SpooledChild): void {
  for (const handle of handles(begun)) handle.unref();
  early.push(begun);
}

/** The early command that is `path args`, if any, taken once, its handles counted again. */
export function takeEarlyChild(path: string, args: readonly string[]): SpooledChild | undefined {
  const k = early.findIndex((begun) => begun.path === path && begun.args.join("\0") === args.join("\0"));
  if (k < 0) return undefined;
  const [begun] = early.splice(k, 1);
  for (const handle of handles(begun!)) handle.ref();
  return begun;
}
