import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * The scrape endpoint behind `tcpstat serve`, on node:http:
 *
 *   GET /metrics  -> 200, the exposition text of one collection
 *   GET /healthz  -> 200 "ok"
 *   HEAD ...      -> the same headers, no body
 *   POST ...      -> 405 with "Allow: GET, HEAD"
 *
 * Built so that a local user cannot keep Prometheus from scraping nor make tcpstat grow
 * (issue 22, item 4):
 * - Scrapes that arrive while a collection runs wait for that one instead of starting their
 *   own, and every client of one collection is sent the same bytes (one Buffer, written in
 *   views of it, never copied per client).
 * - Responses are written in chunks of 64 KiB, the next only once the client has taken the
 *   last (back-pressure); a client that takes nothing for `stallMs` is dropped.
 * - Memory: at most two bodies at once, the one being built and the newest made. When a
 *   collection starts, a client still being sent a body older than the newest (it would make
 *   the new one a third) is dropped. `stats()` counts what is held: the bytes of the distinct
 *   bodies some client is still being sent (a body shared by 32 clients counts once), plus,
 *   at the moment a body is made, that body; its peak never exceeds twice the largest body.
 * - A connection slot is never held by a client that sends nothing: one that has not sent a
 *   whole request head within `headersTimeoutMs`, or sits idle between requests, is dropped;
 *   and when every slot is taken, the newcomer gets the slot of one that has sent nothing,
 *   else of the longest idle, else of one stalled reading its answer, instead of being refused. Only when every slot
 *   holds a request being answered to a client that is reading is the newcomer refused.
 */
export interface MetricsServerOptions {
  /** One collection, rendered. */
  collect: () => Promise<string>;
  /** The Content-Type of what collect renders (the format's own: src/format/prometheus.ts). */
  contentType: string;
  /** A line for stderr. */
  log: (line: string) => void;
  /** Time a client gets to send its whole request. Default 10 s. */
  timeoutMs?: number;
  /** Open connections at most. Default 32. */
  maxConnections?: number;
  /** Time a client gets to send its request head. Default the lesser of 3 s and timeoutMs. */
  headersTimeoutMs?: number;
  /** Longest a client may take nothing of its answer. Default the lesser of 5 s and timeoutMs. */
  stallMs?: number;
}

/** Why a client was dropped while connected (each a counter since start). */
export const DROP_REASONS = ["superseded", "stalled", "evicted", "full"] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** What serve holds for its clients, for its self-metrics (src/format/prometheus-serve.ts). */
export interface ServeStats {
  /** Bytes of the distinct bodies clients are being sent now. */
  heldBytes: number;
  /** The most held at once since start, counting a body from the moment it is made. */
  heldBytesPeak: number;
  /** The largest body made since start. */
  largestBodyBytes: number;
  /** Clients dropped since start, by reason. */
  dropped: Record<DropReason, number>;
}

export interface MetricsServer {
  server: Server;
  /** What is held now and since start (a copy). */
  stats(): ServeStats;
  /** Stops accepting, lets requests in progress finish (up to graceMs), then closes the rest. */
  close(graceMs?: number): Promise<void>;
}

const TEXT = "text/plain; charset=utf-8";
const INDEX = "tcpstat exporter\n\n/metrics  Prometheus metrics\n/healthz  liveness\n";
const CHUNK = 64 * 1024;

interface Slot {
  /** When the connection last became idle (opened, or its last answer finished). */
  idleSince: number;
  /** A request is being answered. */
  busy: boolean;
  /** Since when the answer waits for the client to read (0: not waiting). */
  waitingSince: number;
  /** Which collection's body this client is being sent (0: none). */
  generation: number;
}

interface Body {
  bytes: Buffer;
  generation: number;
  /** Clients being sent it now. */
  writers: number;
}

export function createMetricsServer(options: MetricsServerOptions): MetricsServer {
  const { collect, contentType, log, timeoutMs = 10_000, maxConnections = 32 } = options;
  const headersTimeoutMs = options.headersTimeoutMs ?? Math.min(timeoutMs, 3000);
  const stallMs = options.stallMs ?? Math.min(timeoutMs, 5000);
  let inFlight: Promise<Body> | null = null;
  let generation = 0;
  let closing = false;
  const slots = new Map<Socket, Slot>();
  /** Bodies some client is being sent, by generation. */
  const held = new Map<number, Body>();
  const counts: ServeStats = { heldBytes: 0, heldBytesPeak: 0, largestBodyBytes: 0, dropped: { superseded: 0, stalled: 0, evicted: 0, full: 0 } };
  const heldBytes = () => {
    let sum = 0;
    for (const body of held.values()) sum += body.bytes.length;
    return sum;
  };
  const drop = (socket: Socket, reason: DropReason) => {
    if (socket.destroyed) return;
    counts.dropped[reason]++;
    socket.destroy();
  };

  const scrape = (): Promise<Body> => {
    if (inFlight) return inFlight;
    // The body about to be built is the second: drop clients still being sent one older than
    // the newest made, and wait until their sockets have closed (their pending writes, views of
    // the old body, are let go then), so no third is ever held.
    const gone: Promise<void>[] = [];
    for (const [socket, slot] of slots) {
      if (slot.generation === 0 || slot.generation >= generation || socket.destroyed) continue;
      gone.push(new Promise((resolve) => socket.once("close", () => resolve())));
      drop(socket, "superseded");
    }
    return (inFlight = Promise.all(gone)
      .then(collect)
      .then((text) => {
        const body: Body = { bytes: Buffer.from(text), generation: ++generation, writers: 0 };
        counts.largestBodyBytes = Math.max(counts.largestBodyBytes, body.bytes.length);
        counts.heldBytesPeak = Math.max(counts.heldBytesPeak, heldBytes() + body.bytes.length);
        return body;
      })
      .finally(() => (inFlight = null)));
  };

  /** Counts `body` as held while `res` is being sent it (until the response closes). */
  const hold = (res: ServerResponse, body: Body) => {
    body.writers++;
    held.set(body.generation, body);
    res.once("close", () => {
      if (--body.writers === 0) held.delete(body.generation);
    });
  };

  /** Writes `bytes` in views of 64 KiB, each once the client has taken the one before. */
  const writeShared = async (res: ServerResponse, bytes: Buffer, slot: Slot | undefined): Promise<void> => {
    const socket = res.socket;
    for (let at = 0; at < bytes.length; at += CHUNK) {
      if (res.destroyed) return;
      if (res.write(bytes.subarray(at, at + CHUNK))) continue;
      if (slot) slot.waitingSince = Date.now();
      const drained = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), stallMs);
        const done = (ok: boolean) => () => {
          clearTimeout(timer);
          res.off("drain", onDrain);
          res.off("close", onClose);
          resolve(ok);
        };
        const onDrain = done(true);
        const onClose = done(false);
        res.once("drain", onDrain);
        res.once("close", onClose);
      });
      if (slot) slot.waitingSince = 0;
      if (!drained) {
        if (socket) drop(socket, "stalled");
        return;
      }
    }
    res.end();
  };

  const send = (req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    if (closing) headers = { ...headers, Connection: "close" }; // shutting down: no keep-alive
    res.writeHead(status, { "Content-Type": type, "Content-Length": String(Buffer.byteLength(body)), ...headers });
    if (req.method === "HEAD") return res.end();
    if (typeof body === "string") return res.end(body);
    return writeShared(res, body, slots.get(req.socket));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "GET" && req.method !== "HEAD") return send(req, res, 405, TEXT, "method not allowed: use GET or HEAD\n", { Allow: "GET, HEAD" });
    const path = (req.url ?? "/").split("?")[0];
    switch (path) {
      case "/metrics": {
        let body: Body;
        // A collection can take longer than the idle timeout (120k sockets, --detailed, a loaded
        // machine; BENCHMARKS.md, issue 15): a client waiting for one is not idle. Its writes
        // are watched by the stall timer instead.
        res.on("timeout", () => {});
        try {
          body = await scrape();
        } catch (error) {
          const message = (error as Error).message;
          log(`tcpstat: scrape failed: ${message}`);
          return send(req, res, 500, TEXT, `collection failed: ${message}\n`);
        }
        const slot = slots.get(req.socket);
        if (slot) slot.generation = body.generation;
        // Gone while it waited (dropped, or hung up): nothing to send, nothing held.
        if (res.destroyed) return;
        if (req.method !== "HEAD") hold(res, body);
        return send(req, res, 200, contentType, body.bytes, { "Cache-Control": "no-store" });
      }
      case "/healthz":
        return send(req, res, 200, TEXT, "ok\n");
      case "/":
        return send(req, res, 200, TEXT, INDEX);
      default:
        return send(req, res, 404, TEXT, `not found: ${path}; try /metrics\n`);
    }
  };

  const server = createServer({ requestTimeout: timeoutMs, headersTimeout: headersTimeoutMs, connectionsCheckingInterval: 250 }, (req, res) => {
    const slot = slots.get(req.socket);
    if (slot) slot.busy = true;
    res.once("close", () => {
      if (!slot) return;
      Object.assign(slot, { busy: false, waitingSince: 0, generation: 0, idleSince: Date.now() });
    });
    handle(req, res).catch((error: Error) => {
      log(`tcpstat: request failed: ${error.message}`);
      if (!res.headersSent) send(req, res, 500, TEXT, "internal error\n");
      else res.destroy();
    });
  });
  server.keepAliveTimeout = Math.min(timeoutMs, 5000);
  // Idle sockets: a little longer than the request timeout so a slow sender gets its 408
  // (checked every 250 ms) before the socket goes.
  server.timeout = timeoutMs + 1000;

  /**
   * The slot to give a newcomer when all are taken: a connection that has sent nothing at all
   * (the longest open first), else the longest idle between requests, else the longest stalled
   * reading its answer (waiting for it to take the last chunk). A scraper's keep-alive
   * connection has sent its requests, and a scraper reads as fast as it is sent: they go last.
   */
  const evictable = (): Socket | undefined => {
    let silent: [Socket, number] | undefined;
    let idle: [Socket, number] | undefined;
    let stalled: [Socket, number] | undefined;
    const older = (best: [Socket, number] | undefined, since: number) => !best || since < best[1];
    for (const [socket, slot] of slots) {
      if (!slot.busy && socket.bytesRead === 0) {
        if (older(silent, slot.idleSince)) silent = [socket, slot.idleSince];
      } else if (!slot.busy) {
        if (older(idle, slot.idleSince)) idle = [socket, slot.idleSince];
      } else if (slot.waitingSince !== 0) {
        if (older(stalled, slot.waitingSince)) stalled = [socket, slot.waitingSince];
      }
    }
    return (silent ?? idle ?? stalled)?.[0];
  };

  server.on("connection", (socket: Socket) => {
    if (slots.size >= maxConnections) {
      const victim = evictable();
      if (!victim) {
        counts.dropped.full++;
        return socket.destroy();
      }
      slots.delete(victim);
      drop(victim, "evicted");
    }
    slots.set(socket, { idleSince: Date.now(), busy: false, waitingSince: 0, generation: 0 });
    socket.once("close", () => slots.delete(socket));
  });

  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "408 Request Timeout" : "400 Bad Request";
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });

  const close = (graceMs = 5000) =>
    new Promise<void>((resolve) => {
      closing = true;
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    });

  const stats = (): ServeStats => ({ ...counts, heldBytes: heldBytes(), dropped: { ...counts.dropped } });

  return { server, close, stats };
}
