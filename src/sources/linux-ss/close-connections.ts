import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { gunzipSync } from "node:zlib";
import { TcpstatError } from "../../errors.js";
import { exec as realExec, type ExecRunner } from "../../lib/exec.js";
import { parseKilled, sameSocket, socketsExpression, type CloseTarget, type SsLine } from "./kill-expression.js";

/**
 * Closing connections, as `ss -K` does (-K/--kill; `tcpstat top`'s c key): the kernel's
 * SOCK_DESTROY over netlink, which Node cannot send, so iproute2's ss sends it (fixed argv,
 * time limit, output cap, taken by absolute path as exec does). ss is given a filter naming
 * each socket exactly (kill-expression.ts), so nothing else a broad expression matched is
 * closed; what it prints back is what the kernel closed, checked against each socket's inode.
 *
 *   const results = await closeConnections(records);   // throws TcpstatError when it cannot close at all
 *   results[0] -> { target: records[0], closed: true, reason: null }
 *
 * The peer of a closed TCP connection sees a reset (ECONNRESET); the local holder ECONNABORTED.
 */

export type { CloseTarget } from "./kill-expression.js";

export interface CloseResult<T extends CloseTarget = CloseTarget> {
  target: T;
  closed: boolean;
  /** Why it was not closed; null when it was. */
  reason: string | null;
}

export interface CloseOptions {
  exec?: ExecRunner;
  /** Where /proc is (tests). */
  procRoot?: string;
  /** Skips the root and kernel checks (already made by checkCanClose in this run). */
  checked?: boolean;
}

/** Sockets per ss run: one filter of or'ed 4-tuples each. */
const BATCH = 64;
const SS_OPTIONS = { timeoutMs: 15_000, maxBytes: 16 * 1024 * 1024 };

/** CAP_NET_ADMIN (bit 12 of CapEff in /proc/self/status): SOCK_DESTROY asks for it. */
async function hasNetAdmin(procRoot: string): Promise<boolean> {
  const status = await readFile(`${procRoot}/self/status`, "utf8").catch(() => "");
  const cap = /^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1];
  if (cap === undefined) return process.getuid?.() === 0;
  return (BigInt(`0x${cap}`) & (1n << 12n)) !== 0n;
}

/** The kernel's build configuration, where it publishes it: "y", "n", or undefined when it cannot be read. */
async function kernelDestroyConfig(procRoot: string): Promise<"y" | "n" | undefined> {
  let text: string | undefined;
  const gz = await readFile(`${procRoot}/config.gz`).catch(() => undefined);
  if (gz) text = gunzipSync(gz).toString("utf8");
  else {
    const release = (await readFile(`${procRoot}/sys/kernel/osrelease`, "utf8").catch(() => "")).trim();
    if (release) text = await readFile(`/boot/config-${release}`, "utf8").catch(() => undefined);
  }
  if (text === undefined) return undefined;
  return /^CONFIG_INET_DIAG_DESTROY=y/m.test(text) ? "y" : "n";
}

/**
 * Where the configuration is not published: a listener of our own on loopback is closed
 * through ss; ss prints it back only if the kernel closed it. undefined when no probe can run
 * (no loopback in this namespace).
 */
async function probeDestroy(exec: ExecRunner): Promise<boolean | undefined> {
  const server = createServer();
  const port = await new Promise<number | undefined>((resolve) => {
    server.once("error", () => resolve(undefined));
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
  if (port === undefined) return undefined;
  try {
    const out = await exec("ss", ["-K", "-tanHOe", "state", "listening", "src", "127.0.0.1", "and", "sport", "=", `:${port}`], SS_OPTIONS);
    return out.toString("utf8").includes(`:${port}`);
  } finally {
    server.close();
  }
}

/** Throws the one line saying why closing cannot work here: not root, or a kernel built without SOCK_DESTROY. */
export async function checkCanClose(o: Pick<CloseOptions, "exec" | "procRoot"> = {}): Promise<void> {
  const procRoot = o.procRoot ?? "/proc";
  if (process.platform !== "linux") throw new TcpstatError("closing connections needs Linux's SOCK_DESTROY (ss -K)", "run it on Linux");
  if (!(await hasNetAdmin(procRoot)))
    throw new TcpstatError("closing connections needs root (CAP_NET_ADMIN): the kernel refuses SOCK_DESTROY to other users", "run it as root (sudo tcpstat -K ...)");
  const config = await kernelDestroyConfig(procRoot);
  const works = config === "y" ? true : config === "n" ? false : await probeDestroy(o.exec ?? realExec);
  if (works === false)
    throw new TcpstatError(
      "this kernel cannot close sockets: it was built without CONFIG_INET_DIAG_DESTROY (SOCK_DESTROY)",
      "use a kernel built with CONFIG_INET_DIAG_DESTROY=y, or stop the owning process",
    );
}

/**
 * Closes exactly the given sockets and says, for each, whether it was closed. Throws (one
 * line, exit 1) when nothing can be closed here at all: not root, a kernel without
 * SOCK_DESTROY, ss missing.
 */
export async function closeConnections<T extends CloseTarget>(targets: readonly T[], o: CloseOptions = {}): Promise<Array<CloseResult<T>>> {
  const exec = o.exec ?? realExec;
  if (!o.checked) await checkCanClose(o);
  const results: Array<CloseResult<T>> = [];
  for (const proto of ["tcp", "udp"] as const) {
    const mine = targets.filter((t) => t.proto === proto);
    for (let i = 0; i < mine.length; i += BATCH) {
      const batch = mine.slice(i, i + BATCH);
      const args = [proto === "tcp" ? "-tanHOe" : "-uanHOe", ...socketsExpression(batch)];
      const killed = parseKilled((await exec("ss", ["-K", ...args], SS_OPTIONS)).toString("utf8"));
      const missed = batch.filter((t) => !killed.some((line) => sameSocket(t, line)));
      // Those ss did not close: still there (the kernel would not) or already gone?
      const left = missed.length === 0 ? [] : parseKilled((await exec("ss", args, SS_OPTIONS)).toString("utf8"));
      for (const t of batch) results.push(resultFor(t, killed, left));
    }
  }
  return targets.map((t) => results.find((r) => r.target === t)!);
}

function resultFor<T extends CloseTarget>(target: T, killed: readonly SsLine[], left: readonly SsLine[]): CloseResult<T> {
  if (killed.some((line) => sameSocket(target, line))) return { target, closed: true, reason: null };
  if (left.some((line) => sameSocket(target, line))) return { target, closed: false, reason: "the kernel would not close it (SOCK_DESTROY refused)" };
  if (killed.some((line) => sameSocket({ ...target, inode: null }, line)))
    return { target, closed: false, reason: "a newer socket with the same addresses was closed instead of it (it had gone)" };
  return { target, closed: false, reason: "it was gone before it could be closed" };
}
