import { execFile } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { posix, win32 } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { TcpstatError } from "../errors.js";
import { beginChild, takeEarlyChild } from "./spooled-child.js";

/**
 * Runs a system command the safe way: a fixed argument list (never a shell), a time limit
 * and an output cap. Collectors take an `ExecRunner` so tests hand them a fake:
 *
 *   const out = await exec("netstat", ["-anv", "-p", "tcp"], { timeoutMs: 10_000 });
 *   collectMacos({ exec: async () => Buffer.from(fixtureText) })
 *
 * Output comes back as raw bytes: the caller decides the encoding (Windows netstat
 * writes in the console's OEM code page, not UTF-8).
 */

export interface ExecOptions {
  /** Kill the command after this many milliseconds (default 15 s). */
  timeoutMs?: number;
  /** Largest stdout accepted, in bytes (default 64 MiB). */
  maxBytes?: number;
  /** Exit codes that still count as success (lsof exits 1 when one of several selections matched nothing). */
  okExitCodes?: readonly number[];
  /**
   * execChunks: stdout into a spool (src/lib/spool.ts) where one can be made, so that the
   * command never waits for us; else a pipe, which paces it. A spool hands the output over
   * as fast as the command prints it: for a reader that must keep up with other work at the
   * same time (the listing with owners) that burst costs memory (BENCHMARKS.md, issue 18,
   * fifth pass), so it is asked for only where the command's output is all the run waits for.
   */
  spool?: boolean;
}

export type ExecRunner = (cmd: string, args: readonly string[], options?: ExecOptions) => Promise<Buffer>;

/** What to install when a command is missing, by command name. */
const INSTALL_HINTS: Readonly<Record<string, string>> = {
  netstat: "install net-tools (Linux) or use the system netstat",
  ss: "install iproute2",
  lsof: "install lsof (apt-get install lsof, brew install lsof, pkg install lsof)",
  sockstat: "sockstat ships with FreeBSD base; on other systems choose another --source",
  tasklist: "tasklist ships with Windows; choose another --source elsewhere",
  powershell: "install PowerShell, or use --source windows-netstat",
  chcp: "chcp ships with Windows",
};

/**
 * Where system tools are taken from, never through PATH (issue 22): `npx` puts
 * ./node_modules/.bin and every parent's .bin before the system's directories, so a fake
 * `nsenter` or `ss` planted where root runs `npx tcpstat` would run as root. The BSDs' ports
 * and packages (lsof, for one) install under /usr/local, which only root may write there too.
 */
const POSIX_DIRS = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"];
const BSD_DIRS = [...POSIX_DIRS, "/usr/local/sbin", "/usr/local/bin"];

/** Windows tools under %SystemRoot%\System32 (a bare name would be searched in the current directory first). */
const WINDOWS_TOOLS: Readonly<Record<string, string>> = {
  netstat: "netstat.exe",
  tasklist: "tasklist.exe",
  "chcp.com": "chcp.com",
  powershell: "WindowsPowerShell\\v1.0\\powershell.exe",
};

const isExecutableFile = (path: string) => {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The absolute path of a system tool: the first of the system's directories holding it on
 * Linux, macOS and the BSDs; under %SystemRoot%\System32 on Windows.
 *
 *   systemTool("ss")                                  -> "/usr/bin/ss" (Debian)
 *   systemTool("netstat", "win32", { SystemRoot })    -> "C:\\Windows\\System32\\netstat.exe"
 */
export function systemTool(cmd: string, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, exists = isExecutableFile): string {
  if (platform === "win32") {
    const root = env.SystemRoot ?? env.SYSTEMROOT ?? env.windir ?? "C:\\Windows";
    return win32.join(root, "System32", WINDOWS_TOOLS[cmd] ?? `${cmd}.exe`);
  }
  const dirs = platform === "linux" || platform === "darwin" ? POSIX_DIRS : BSD_DIRS;
  for (const dir of dirs) {
    const path = posix.join(dir, cmd);
    if (exists(path)) return path;
  }
  throw new TcpstatError(`'${cmd}' was not found in ${dirs.join(", ")}`, INSTALL_HINTS[cmd] ?? `install ${cmd} or choose another --source`);
}

/** What this run ran, for --verbose: "/usr/bin/ss -tuanpe". */
const ran: string[] = [];
export const commandsRun = (): readonly string[] => ran;
export function noteRun(path: string, args: readonly string[]): void {
  const shown = args.join(" ");
  ran.push(`${path}${shown ? ` ${shown.length > 60 ? `${shown.slice(0, 60)}...` : shown}` : ""}`);
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * What both runners share: the tool found by absolute path and noted for --verbose (or the
 * error saying why not), and the one-line errors they give, worded once.
 */
function prepareRun(cmd: string, args: readonly string[], timeoutMs: number, maxBytes: number) {
  const path = systemTool(cmd);
  noteRun(path, args);
  const shown = `${cmd} ${args.join(" ")}`.trim();
  return {
    path,
    notFound: () => new TcpstatError(`'${path}' was not found`, INSTALL_HINTS[cmd] ?? `install ${cmd} or choose another --source`),
    notExecutable: () => new TcpstatError(`'${cmd}' is not executable by this user`, "check its permissions or choose another --source"),
    tooMuch: () => new TcpstatError(`'${shown}' printed more than ${maxBytes} bytes`, "narrow the selection or replay a capture with --input"),
    spoolFull: (dir: string) => new TcpstatError(`'${shown}' wrote into ${dir} until it was full: its output may be cut short`, `free some space in ${dir} and retry`),
    tooLong: () => new TcpstatError(`'${shown}' did not finish within ${timeoutMs} ms`, "the system may be overloaded; retry or choose another --source"),
    failed: (detail: string) => new TcpstatError(`'${shown}' failed${detail}`, "run it by hand to see why, or choose another --source"),
  };
}

export const exec: ExecRunner = (cmd, args, options = {}) => {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, maxBytes = DEFAULT_MAX_BYTES, okExitCodes = [0] } = options;
  return new Promise((resolve, reject) => {
    let run: ReturnType<typeof prepareRun>;
    try {
      run = prepareRun(cmd, args, timeoutMs, maxBytes);
    } catch (error) {
      return reject(error as Error);
    }
    execFile(
      run.path,
      [...args],
      // SIGKILL: a command stuck with SIGTERM ignored would otherwise outlive its time limit.
      { encoding: "buffer", timeout: timeoutMs, maxBuffer: maxBytes, windowsHide: true, shell: false, killSignal: "SIGKILL" },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const e = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: string | number };
        if (e.code === "ENOENT") return reject(run.notFound());
        if (e.code === "EACCES") return reject(run.notExecutable());
        if (e.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") return reject(run.tooMuch());
        if (e.killed || e.signal === "SIGTERM" || e.signal === "SIGKILL") return reject(run.tooLong());
        if (typeof e.code === "number" && okExitCodes.includes(e.code)) return resolve(stdout);
        const said = Buffer.isBuffer(stderr) ? stderr.toString("utf8").trim().split("\n")[0] : "";
        reject(run.failed(`${typeof e.code === "number" ? ` with exit code ${e.code}` : ""}${said ? `: ${said}` : ""}`));
      },
    );
  });
};

/**
 * The runners with each command run inside another network namespace: `nsenter --net=FILE --
 * /abs/cmd ...`, both tools by absolute path (issue 22). For what only netlink can tell or do
 * (ss's tcp_info, ss -K), which answers for the namespace it runs in.
 */
export function inNetns(file: string, base: { exec?: ExecRunner; lines?: LineRunner } = {}): { exec: ExecRunner; lines: LineRunner } {
  const wrapped = (cmd: string, args: readonly string[]) => [`--net=${file}`, "--", systemTool(cmd), ...args];
  const run = base.exec ?? exec;
  const lines = base.lines ?? execLines;
  return {
    // A tool not found is a rejected promise, as exec gives it, not a throw.
    exec: async (cmd, args, options) => run("nsenter", wrapped(cmd, args), options),
    lines: async (cmd, args, onLine, options) => lines("nsenter", wrapped(cmd, args), onLine, options),
  };
}

/** Hands a command's stdout over a line at a time (tests pass lines from a fixture). */
export type LineRunner = (cmd: string, args: readonly string[], onLine: (line: string) => void, options?: ExecOptions) => Promise<void>;

/**
 * Hands a command's stdout over in the pieces it arrives in, as bytes (tests pass a fixture's
 * bytes). A piece is the caller's only during the call: copy what is kept.
 */
export type ChunkRunner = (cmd: string, args: readonly string[], onChunk: (chunk: Buffer) => void, options?: ExecOptions) => Promise<void>;

/**
 * Runs a system command as exec does (by absolute path, fixed argv, time limit, output cap)
 * and hands its stdout over as it arrives, never holding it whole: ss -tainHOe prints a lot at
 * 100k sockets, read while ss still writes (BENCHMARKS.md, issues 18 and 15). The bytes as
 * they come: a parser that reads bytes skips ss's padding without making strings of it.
 */
export const execChunks: ChunkRunner = (cmd, args, onChunk, options = {}) => {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, maxBytes = DEFAULT_MAX_BYTES, okExitCodes = [0], spool: spooled = false } = options;
  return new Promise((resolve, reject) => {
    let run: ReturnType<typeof prepareRun>;
    try {
      run = prepareRun(cmd, args, timeoutMs, maxBytes);
    } catch (error) {
      return reject(error as Error);
    }
    // The same command begun before the CLI loaded (src/start.ts) is taken over; else begun now.
    const begun = takeEarlyChild(run.path, args) ?? beginChild(run.path, args, spooled ? maxBytes : undefined);
    const { child, spool } = begun;
    let failure: TcpstatError | undefined;
    const stop = (error: TcpstatError) => {
      failure ??= error;
      child.kill("SIGKILL");
    };
    let bytes = 0;
    const data = (chunk: Buffer) => {
      if (failure) return;
      bytes += chunk.length;
      if (bytes > maxBytes) return stop(run.tooMuch());
      try {
        onChunk(chunk);
      } catch (error) {
        stop(error as TcpstatError);
      }
    };
    // A spool is read whenever the event loop is free, and once more when the command has ended.
    const drain = () => {
      if (spool) for (let chunk = spool.take(); chunk.length > 0 && !failure; chunk = spool.take()) data(chunk);
    };
    const timer = setTimeout(() => stop(run.tooLong()), timeoutMs);
    const poll = spool ? setInterval(drain, 1) : undefined;
    const finish = () => {
      clearTimeout(timer);
      clearInterval(poll);
      if (!failure) drain();
      if (!failure && spool?.filled()) failure = run.spoolFull(spool.dir);
      spool?.done();
    };
    let said = "";
    begun.adopt({
      data,
      said(chunk) {
        if (said.length < 4096) said += chunk.toString("utf8");
      },
      error(error) {
        finish();
        if (error.code === "ENOENT") return reject(run.notFound());
        if (error.code === "EACCES") return reject(run.notExecutable());
        reject(run.failed(`: ${error.message}`));
      },
      close(code) {
        finish();
        if (failure) return reject(failure);
        if (code !== null && okExitCodes.includes(code)) return resolve();
        const first = said.trim().split("\n")[0];
        reject(run.failed(`${code !== null ? ` with exit code ${code}` : ""}${first ? `: ${first}` : ""}`));
      },
    });
  });
};

/** execChunks' output decoded as UTF-8 and handed over line by line. */
export const execLines: LineRunner = async (cmd, args, onLine, options = {}) => {
  let rest = "";
  const decoder = new StringDecoder("utf8");
  await execChunks(
    cmd,
    args,
    (chunk) => {
      const text = rest + decoder.write(chunk);
      let at = 0;
      for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n", at)) {
        onLine(text.slice(at, end));
        at = end + 1;
      }
      rest = text.slice(at);
    },
    options,
  );
  const last = rest + decoder.end();
  if (last !== "") onLine(last);
};
