import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readlinkSync } from "node:fs";
import { TcpstatError } from "../errors.js";

/**
 * The private network namespace of `tcpstat lab` and the tiny programs that play in it.
 *
 * `unshare -n` starts a holder (a node process called `tcpstat-lab`) in a new network namespace;
 * each actor (`lab-server`, `lab-client`) enters it with `nsenter -t HOLDER -n` and is driven over
 * an IPC channel. Every one of them exits when that channel closes, so the namespace (which lives
 * only as long as a process is in it: no name, no bind mount) goes away with them, even when
 * tcpstat itself is killed with SIGKILL.
 */

/**
 * The holder: names itself, waits for its parent to go, and on "mark" opens and closes a
 * listener on a free port (two state changes the trace will show after everything before).
 */
const HOLDER = String.raw`
process.title = "tcpstat-lab";
process.on("disconnect", () => process.exit(0));
process.on("message", (m) => {
  const s = require("net").createServer();
  s.listen(0, "127.0.0.1", () => {
    const port = s.address().port;
    s.close(() => process.send({ reply: m.seq, port }));
  });
});
process.send("ready");
`;

/**
 * An actor: a server or a client made of Node's net module, doing one call per message.
 *   { seq: 1, op: "listen", port: 7000 }      -> { reply: 1, ok: true }
 *   { seq: 2, op: "connect", port: 7000 }     -> { reply: 2, ok: true, id: 1, port: 41234 }
 *   { seq: 3, op: "close", id: 1 }            -> close(): the FIN goes out
 * Sockets never read unless asked ("read"), and never close unless asked or closeOnEof was
 * given: the scenarios decide what each program does.
 */
const ACTOR = String.raw`
const net = require("net");
process.title = process.argv[1];
const socks = new Map();
let listener = null, next = 1, closeOnEof = false;
const send = (m) => { if (process.connected) process.send(m); };
process.on("disconnect", () => process.exit(0));
function track(sock) {
  const id = next++;
  socks.set(id, sock);
  sock.on("error", (e) => send({ event: "error", id, code: e.code }));
  sock.on("end", () => { send({ event: "eof", id }); if (closeOnEof) sock.destroy(); });
  sock.on("close", () => { socks.delete(id); send({ event: "closed", id }); });
  return id;
}
process.on("message", (m) => {
  const reply = (r) => send({ reply: m.seq, ...r });
  const sock = socks.get(m.id);
  if (m.id !== undefined && !sock) return reply({ ok: false, code: "no socket " + m.id });
  switch (m.op) {
    case "listen":
      closeOnEof = Boolean(m.closeOnEof);
      listener = net.createServer({ allowHalfOpen: true, pauseOnConnect: !m.read }, (s) => send({ event: "accepted", id: track(s), port: s.remotePort }));
      listener.once("error", (e) => reply({ ok: false, code: e.code }));
      listener.listen(m.port, "127.0.0.1", () => reply({ ok: true }));
      break;
    case "connect": {
      closeOnEof = Boolean(m.closeOnEof);
      const s = net.connect({ port: m.port, host: "127.0.0.1", allowHalfOpen: true });
      if (!m.read) s.pause();
      const id = track(s);
      s.once("connect", () => reply({ ok: true, id, port: s.localPort }));
      s.once("error", (e) => reply({ ok: false, code: e.code }));
      break;
    }
    case "read": sock.resume(); reply({ ok: true }); break;
    case "shutdown": sock.end(); reply({ ok: true }); break;
    case "close": sock.destroy(); reply({ ok: true }); break;
    case "unlisten": listener.close(); reply({ ok: true }); break;
    default: reply({ ok: false, code: "unknown op " + m.op });
  }
});
send({ event: "ready" });
`;

export interface ActorReply {
  ok: boolean;
  id?: number;
  port?: number;
  code?: string;
}

export interface ActorEvent {
  event: "ready" | "accepted" | "eof" | "closed" | "error";
  id?: number;
  port?: number;
  code?: string;
}

export interface Actor {
  name: string;
  pid: number;
  ask(op: string, args?: Record<string, unknown>): Promise<ActorReply>;
  /** Resolves with the first event (past or future) that matches. */
  event(match: (e: ActorEvent) => boolean): Promise<ActorEvent>;
  /** Sends a signal and resolves once the process is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
  readonly alive: boolean;
}

export interface LabNetns {
  /** Pid of the holder: `tcpstat -N PID` reads the namespace through it. */
  pid: number;
  /** The namespace's identity, net:[INODE]. */
  id: string;
  /** Opens and closes a listener in the namespace: resolves with its port once it is closed. */
  mark(): Promise<number>;
  /** Runs a command inside the namespace (ip link ...), throws if it fails. */
  run(cmd: string, args: readonly string[]): void;
  actor(name: string): Promise<Actor>;
  /** Ends every process of the lab and waits for them: the namespace is gone after. */
  close(): Promise<void>;
  /** Last resort on exit: SIGKILL to every process still there, without waiting. */
  killNow(): void;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once("exit", () => resolve()));

/** Resolves with the first IPC message of a child, or rejects if it exits first. */
function firstMessage(child: ChildProcess, what: string, stderr: () => string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("error", (e) => reject(new TcpstatError(`lab: cannot start ${what}: ${e.message}`)));
    child.once("exit", () => reject(new TcpstatError(`lab: ${what} failed: ${stderr().trim().split("\n")[0] || "it exited"}`)));
  });
}

function collectStderr(child: ChildProcess): () => string {
  let text = "";
  child.stderr?.on("data", (d: Buffer) => (text += d.toString()));
  return () => text;
}

/** Starts the namespace holder. Needs root (CAP_SYS_ADMIN) and `unshare`, `nsenter`, `ip`. */
export async function createLabNetns(): Promise<LabNetns> {
  const children: ChildProcess[] = [];
  const holder = spawn("unshare", ["-n", "--", process.execPath, "-e", HOLDER], { stdio: ["ignore", "ignore", "pipe", "ipc"], detached: true });
  children.push(holder);
  const killNow = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  try {
    await firstMessage(holder, "a private network namespace (unshare -n)", collectStderr(holder));
  } catch (error) {
    killNow();
    throw error;
  }
  const pid = holder.pid!;
  const id = readlinkSync(`/proc/${pid}/ns/net`);
  const run = (cmd: string, args: readonly string[]) => {
    const r = spawnSync("nsenter", ["-t", String(pid), "-n", cmd, ...args], { encoding: "utf8" });
    if (r.error || r.status !== 0) throw new TcpstatError(`lab: ${cmd} ${args.join(" ")} failed: ${(r.error?.message ?? r.stderr).trim()}`, "it needs iproute2 (ip) and util-linux (nsenter)");
  };
  let marks = 0;
  const marked = new Map<number, (port: number) => void>();
  holder.on("message", (m: { reply?: number; port?: number }) => m.reply !== undefined && marked.get(m.reply)?.(m.port!));
  const ns: LabNetns = {
    pid,
    id,
    mark() {
      return new Promise((resolve) => {
        const seq = ++marks;
        marked.set(seq, resolve);
        holder.send({ seq, op: "mark" });
      });
    },
    run,
    killNow,
    async actor(name) {
      const child = spawn("nsenter", ["-t", String(pid), "-n", process.execPath, "-e", ACTOR, name], { stdio: ["ignore", "ignore", "pipe", "ipc"], detached: true });
      children.push(child);
      const stderr = collectStderr(child);
      await firstMessage(child, name, stderr);
      const events: ActorEvent[] = [];
      const waiting: Array<{ match: (e: ActorEvent) => boolean; resolve: (e: ActorEvent) => void }> = [];
      const replies = new Map<number, (r: ActorReply) => void>();
      let seq = 0;
      child.on("message", (m: ActorEvent & ActorReply & { reply?: number }) => {
        if (m.reply !== undefined) return replies.get(m.reply)?.(m);
        events.push(m);
        for (const w of [...waiting]) if (w.match(m)) waiting.splice(waiting.indexOf(w), 1), w.resolve(m);
      });
      const gone = exited(child);
      return {
        name,
        pid: child.pid!,
        get alive() {
          return child.exitCode === null && child.signalCode === null;
        },
        ask(op, args = {}) {
          return new Promise((resolve, reject) => {
            const n = ++seq;
            replies.set(n, resolve);
            void gone.then(() => reject(new TcpstatError(`lab: ${name} exited before answering '${op}': ${stderr().trim().split("\n")[0] ?? ""}`)));
            child.send({ seq: n, op, ...args });
          });
        },
        event(match) {
          const seen = events.find(match);
          return seen ? Promise.resolve(seen) : new Promise((resolve) => waiting.push({ match, resolve }));
        },
        async kill(signal) {
          child.kill(signal);
          await gone;
        },
      };
    },
    async close() {
      killNow();
      await Promise.all(children.map(exited));
    },
  };
  try {
    run("ip", ["link", "set", "lo", "up"]);
  } catch (error) {
    await ns.close();
    throw error;
  }
  return ns;
}
