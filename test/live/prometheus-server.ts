import type { ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Netns } from "../helpers/netns.js";

/**
 * A real Prometheus (Debian's package `prometheus`; .ci/run installs it) for live tests, run on
 * loopback inside a test namespace with a temporary config and storage, beside the processes
 * it scrapes. The serve test and the alerting test share it:
 *
 *   const prom = new PrometheusHarness(ns);
 *   prom.start({ scrapeInterval: "1s", targets: ["127.0.0.1:9717"], rules: "groups: ..." });
 *   await prom.until("a scrape", () => (prom.query("up")[0]?.value[1] === "1" ? true : undefined));
 *   prom.stop();
 */
export const PROMETHEUS = spawnSync("sh", ["-c", "command -v prometheus"], { encoding: "utf8" }).stdout.trim() || null;

export interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing" | "inactive";
  value: string;
}

export interface PrometheusOptions {
  scrapeInterval: string;
  /** Rule evaluation interval (default: the scrape interval). */
  evaluationInterval?: string;
  targets: readonly string[];
  job?: string;
  /** A rule file's text, loaded with the config. */
  rules?: string;
}

export class PrometheusHarness {
  /** Output of every process started here, by name, for failure messages. */
  readonly logs: Record<string, string> = {};
  private readonly children: ChildProcess[] = [];
  private dir: string | undefined;

  constructor(readonly ns: Netns) {}

  /** Starts a long-running command in the namespace, its output kept under `name`. */
  spawn(name: string, cmd: string, args: string[]): ChildProcess {
    const child = this.ns.spawn(cmd, args);
    this.children.push(child);
    this.logs[name] ??= "";
    child.stdout!.on("data", (d) => (this.logs[name] += d));
    child.stderr!.on("data", (d) => (this.logs[name] += d));
    return child;
  }

  start(options: PrometheusOptions): void {
    if (!PROMETHEUS) throw new Error("prometheus is not installed");
    this.dir = mkdtempSync(join(tmpdir(), "tcpstat-prometheus-"));
    const config = [
      "global:",
      `  scrape_interval: ${options.scrapeInterval}`,
      `  scrape_timeout: ${options.scrapeInterval}`,
      `  evaluation_interval: ${options.evaluationInterval ?? options.scrapeInterval}`,
      ...(options.rules === undefined ? [] : ["rule_files:", `  - ${JSON.stringify(join(this.dir, "rules.yml"))}`]),
      "scrape_configs:",
      `  - job_name: ${options.job ?? "tcpstat"}`,
      "    static_configs:",
      `      - targets: ${JSON.stringify(options.targets)}`,
      "",
    ];
    if (options.rules !== undefined) writeFileSync(join(this.dir, "rules.yml"), options.rules);
    writeFileSync(join(this.dir, "prometheus.yml"), config.join("\n"));
    this.spawn("prometheus", PROMETHEUS, [`--config.file=${join(this.dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(this.dir, "data")}`, "--web.listen-address=127.0.0.1:9090"]);
  }

  /** GET on Prometheus' API from inside the namespace; undefined while it is not ready. */
  private api<T>(path: string): T | undefined {
    // While its storage starts, Prometheus answers 503 "Service Unavailable" in plain text: that
    // is "not yet" (the callers poll), like a refused connection, not a broken answer.
    const url = `http://127.0.0.1:9090${path}`;
    const script = `fetch(${JSON.stringify(url)}).then((r) => { if (!r.ok) process.exit(3); return r.text(); }).then((t) => console.log(t), (e) => { console.error(String(e.cause ?? e)); process.exit(1); })`;
    const r = this.ns.run(process.execPath, ["-e", script]);
    if (r.status !== 0) return undefined;
    const body = JSON.parse(r.stdout) as { status: string; data: T };
    return body.status === "success" ? body.data : undefined;
  }

  query(promql: string): Series[] {
    return this.api<{ result: Series[] }>(`/api/v1/query?query=${encodeURIComponent(promql)}`)?.result ?? [];
  }

  /** The alerts Prometheus holds now (pending and firing), from /api/v1/alerts. */
  alerts(): Alert[] | undefined {
    return this.api<{ alerts: Alert[] }>("/api/v1/alerts")?.alerts;
  }

  /** Polls `probe` until it gives a value; fails after timeoutMs with every process's output. */
  async until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = probe();
      if (got !== undefined) return got;
      if (Date.now() > deadline) {
        const output = Object.entries(this.logs).map(([name, text]) => `${name}: ${name === "prometheus" ? text.slice(-2000) : text}`);
        throw new Error(`${what} did not happen in ${timeoutMs} ms\n${output.join("\n")}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  stop(): void {
    for (const child of this.children) child.kill("SIGTERM");
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
