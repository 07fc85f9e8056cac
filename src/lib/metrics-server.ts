import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { PROMETHEUS_CONTENT_TYPE } from "../format/prometheus.js";

/**
 * The scrape endpoint behind `tcpstat serve`, on node:http:
 *
 *   GET /metrics  -> 200, the exposition text of one collection
 *   GET /healthz  -> 200 "ok"
 *   HEAD ...      -> the same headers, no body
 *   POST ...      -> 405 with "Allow: GET, HEAD"
 *
 * Scrapes that arrive while a collection runs wait for that one instead of starting their
 * own, so ten Prometheus replicas cost one read of /proc. Slow clients are cut off
 * (headers, whole request, idle socket), and connections beyond the cap are refused.
 */
export interface MetricsServerOptions {
  /** One collection, rendered. */
  collect: () => Promise<string>;
  /** A line for stderr. */
  log: (line: string) => void;
  /** Time a client gets to send its request, and the longest a socket may sit idle. Default 10 s. */
  timeoutMs?: number;
  /** Open connections at most; more are closed at once. Default 32. */
  maxConnections?: number;
}

export interface MetricsServer {
  server: Server;
  /** Stops accepting, lets requests in progress finish (up to graceMs), then closes the rest. */
  close(graceMs?: number): Promise<void>;
}

const TEXT = "text/plain; charset=utf-8";
const INDEX = "tcpstat exporter\n\n/metrics  Prometheus metrics\n/healthz  liveness\n";

export function createMetricsServer(options: MetricsServerOptions): MetricsServer {
  const { collect, log, timeoutMs = 10_000, maxConnections = 32 } = options;
  let inFlight: Promise<string> | null = null;
  let closing = false;
  const scrape = (): Promise<string> => (inFlight ??= collect().finally(() => (inFlight = null)));

  const send = (req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}) => {
    if (closing) headers = { ...headers, Connection: "close" }; // shutting down: no keep-alive
    res.writeHead(status, { "Content-Type": type, "Content-Length": String(Buffer.byteLength(body)), ...headers });
    res.end(req.method === "HEAD" ? undefined : body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "GET" && req.method !== "HEAD") return send(req, res, 405, TEXT, "method not allowed: use GET or HEAD\n", { Allow: "GET, HEAD" });
    const path = (req.url ?? "/").split("?")[0];
    switch (path) {
      case "/metrics": {
        let body: string;
        try {
          body = await scrape();
        } catch (error) {
          const message = (error as Error).message;
          log(`tcpstat: scrape failed: ${message}`);
          return send(req, res, 500, TEXT, `collection failed: ${message}\n`);
        }
        return send(req, res, 200, PROMETHEUS_CONTENT_TYPE, body, { "Cache-Control": "no-store" });
      }
      case "/healthz":
        return send(req, res, 200, TEXT, "ok\n");
      case "/":
        return send(req, res, 200, TEXT, INDEX);
      default:
        return send(req, res, 404, TEXT, `not found: ${path}; try /metrics\n`);
    }
  };

  const server = createServer({ requestTimeout: timeoutMs, headersTimeout: Math.min(timeoutMs, 5000), connectionsCheckingInterval: 500 }, (req, res) => {
    handle(req, res).catch((error: Error) => {
      log(`tcpstat: request failed: ${error.message}`);
      if (!res.headersSent) send(req, res, 500, TEXT, "internal error\n");
      else res.destroy();
    });
  });
  server.maxConnections = maxConnections;
  server.keepAliveTimeout = 5000;
  // Idle sockets, including clients too slow to read the answer; a little longer than the
  // request timeout so a slow sender gets its 408 (checked every 500 ms) before the socket goes.
  server.timeout = timeoutMs + 1000;
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

  return { server, close };
}
