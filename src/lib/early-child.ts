import { spawn, type ChildProcess } from "node:child_process";
import type { Socket } from "node:net";

/**
 * A command begun before the CLI loaded (src/start.ts), for execChunks to take over when the
 * run asks for the same command: at 100k sockets `ss -tainHOe` takes longer than any other
 * part of `tcpstat -i --no-owners`, so it starts before the CLI's code is compiled and
 * evaluated (BENCHMARKS.md, issue 18, fourth pass). What it prints meanwhile is kept in the
 * pieces it came in. Until taken it keeps nobody waiting; one not taken is killed at exit.
 */
export interface EarlyChild {
  readonly path: string;
  readonly args: readonly string[];
  readonly child: ChildProcess;
  /** Hands over what came so far, then each piece as it comes; taken once. */
  adopt(take: ChildListeners): void;
}

export interface ChildListeners {
  data(chunk: Buffer): void;
  said(chunk: Buffer): void;
  close(code: number | null): void;
  error(error: NodeJS.ErrnoException): void;
}

/** Spawns `path args` now, stdout and stderr kept until adopted. */
export function beginEarlyChild(path: string, args: readonly string[]): EarlyChild {
  const child = spawn(path, [...args], { stdio: ["ignore", "pipe", "pipe"], windowsHide: true, shell: false });
  const chunks: Buffer[] = [];
  const said: Buffer[] = [];
  let closed: { code: number | null } | undefined;
  let failed: NodeJS.ErrnoException | undefined;
  let taken: ChildListeners | undefined;
  const handles = [child, child.stdout as Socket, child.stderr as Socket];
  child.stdout!.on("data", (chunk: Buffer) => (taken ? taken.data(chunk) : chunks.push(chunk)));
  child.stderr!.on("data", (chunk: Buffer) => (taken ? taken.said(chunk) : said.push(chunk)));
  child.on("close", (code: number | null) => (taken ? taken.close(code) : (closed = { code })));
  child.on("error", (error: NodeJS.ErrnoException) => (taken ? taken.error(error) : (failed = error)));
  for (const handle of handles) handle.unref();
  const stray = () => {
    if (!taken) child.kill("SIGKILL");
  };
  process.once("exit", stray);
  return {
    path,
    args,
    child,
    adopt(listeners) {
      if (taken) throw new Error("an early command is taken once");
      taken = listeners;
      process.off("exit", stray);
      for (const handle of handles) handle.ref();
      for (const chunk of chunks.splice(0)) listeners.data(chunk);
      for (const chunk of said.splice(0)) listeners.said(chunk);
      if (failed) listeners.error(failed);
      else if (closed) listeners.close(closed.code);
    },
  };
}
