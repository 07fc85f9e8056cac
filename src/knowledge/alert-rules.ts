import { FIXES } from "./fixes.js";
import type { RuleThresholds } from "./thresholds.js";

/**
 * Doctor's knowledge as Prometheus rules (`tcpstat rules`, and rules/tcpstat.rules.yml in the
 * package): recording rules for the rates the alerts need, and one alert per doctor rule that a
 * fleet can watch from `tcpstat serve`'s series. Pure: thresholds and durations in, rule groups out;
 * src/format/rules-yaml.ts writes them. Thresholds come from knowledge/thresholds.ts (doctor's
 * table), fixes from knowledge/fixes.ts (doctor's sentences).
 */

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: { summary: string; description: string; runbook: string };
}

export interface RuleGroup {
  name: string;
  rules: Array<RecordingRule | AlertingRule>;
}

export interface RuleOptions {
  thresholds: RuleThresholds;
  /** How long a condition must hold before the alert fires (Prometheus duration); default per alert. */
  for?: string;
  /** The range rates and growth are taken over (Prometheus duration). */
  window: string;
  /** The scrape job of tcpstat serve, for the alerts about the scrape itself. */
  job: string;
}

export const DEFAULT_WINDOW = "10m";
export const DEFAULT_FOR = "5m";
export const DEFAULT_JOB = "tcpstat";

/** Prometheus durations as `tcpstat rules` accepts them: one whole number and one unit, e.g. 0s, 30s, 5m, 1h. */
export const DURATION = /^(0|[1-9]\d*)(ms|s|m|h|d|w)$/;

const SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
export const durationSeconds = (d: string): number => {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(d)!;
  return Number(m[1]) * SECONDS[m[2]!]!;
};

// Label templates: every series names its instance; process and port where the series has them.
const INSTANCE = "{{ $labels.instance }}";
const PROCESS = "{{ with $labels.process }}{{ . }}{{ else }}the program (process names not exported){{ end }}";
const PORT = '{{ if eq $labels.side "local" }}local{{ else }}remote{{ end }} port {{ $labels.port }}';
const NETNS = '{{ with $labels.netns }} (netns {{ . }}){{ end }}';

export function alertRules(options: RuleOptions): RuleGroup[] {
  const t = options.thresholds;
  const w = options.window;
  const windowSeconds = durationSeconds(w);
  const forOf = (fallback: string) => options.for ?? fallback;
  const rate = (metric: string) => `instance:${metric.replace(/_total$/, "")}:rate${w}`;
  const counters = [
    "tcpstat_tcp_listen_overflows_total",
    "tcpstat_tcp_listen_drops_total",
    "tcpstat_tcp_syncookies_sent_total",
    "tcpstat_tcp_segments_retransmitted_total",
    "tcpstat_tcp_segments_sent_total",
  ];
  const closeWaitGrowth = `port:tcpstat_close_wait_sockets:deriv${w}`;
  const retransRatio = `instance:tcpstat_tcp_retransmitted_segments:ratio_rate${w}`;
  const ephemeralRatio = "instance:tcpstat_ephemeral_ports_used:ratio";
  const recording: RecordingRule[] = [
    ...counters.map((metric) => ({ record: rate(metric), expr: `rate(${metric}[${w}])` })),
    { record: retransRatio, expr: `${rate("tcpstat_tcp_segments_retransmitted_total")} / ${rate("tcpstat_tcp_segments_sent_total")}` },
    { record: ephemeralRatio, expr: "tcpstat_ephemeral_ports_used_max / tcpstat_ephemeral_port_range_size" },
    { record: closeWaitGrowth, expr: `deriv(tcpstat_port_sockets{state="CLOSE_WAIT"}[${w}])` },
  ];

  const alert = (
    name: string,
    expr: string,
    severity: "warning" | "critical",
    runbook: string,
    summary: string,
    description: string,
    fallbackFor = DEFAULT_FOR,
  ): AlertingRule => ({ alert: name, expr, for: forOf(fallbackFor), labels: { severity }, annotations: { summary, description, runbook } });
  const explain = (state: string) => `tcpstat explain ${state}`;
  const job = `job=${JSON.stringify(options.job)}`;

  const alerts: AlertingRule[] = [
    alert(
      "TcpstatCloseWaitLeak",
      `tcpstat_port_sockets{state="CLOSE_WAIT"} >= ${t["close-wait"]} and ${closeWaitGrowth} > 0`,
      "warning",
      explain("close-wait"),
      `CLOSE_WAIT growing in ${PROCESS} on ${PORT} of ${INSTANCE}${NETNS}: {{ $value }} sockets`,
      `{{ $value }} connections on ${PORT} are in CLOSE_WAIT (threshold close-wait=${t["close-wait"]}) and their number rose over the last ${w}: the peers closed, the program did not. ${FIXES["close-wait"](PROCESS)}`,
    ),
    alert(
      "TcpstatTimeWaitChurn",
      `tcpstat_port_sockets{state="TIME_WAIT"} >= ${t["time-wait"]}`,
      "warning",
      explain("time-wait"),
      `TIME_WAIT churn on ${PORT} of ${INSTANCE}${NETNS}: {{ $value }} sockets`,
      `{{ $value }} sockets in TIME_WAIT on ${PORT} (threshold time-wait=${t["time-wait"]}): many short connections, each closed and kept 60 s. ${FIXES["time-wait"]()}`,
    ),
    alert(
      "TcpstatEphemeralPortsNearlyExhausted",
      `${ephemeralRatio} >= ${t.ephemeral}`,
      "critical",
      explain("time-wait"),
      `Ephemeral ports nearly used up toward one destination on ${INSTANCE}: {{ $value | humanizePercentage }} of the range`,
      `One destination takes {{ $value | humanizePercentage }} of net.ipv4.ip_local_port_range (threshold ephemeral=${t.ephemeral}), mostly sockets in TIME_WAIT; once the range runs out, connect() fails with "Cannot assign requested address". \`tcpstat doctor\` on the host names the destination. ${FIXES.ephemeral()}`,
    ),
    alert(
      "TcpstatSynRecvFlood",
      `tcpstat_port_sockets{state="SYN_RECV",side="local"} >= ${t["syn-recv"]}`,
      "warning",
      explain("syn-recv"),
      `SYN_RECV flood on port {{ $labels.port }} of ${INSTANCE}${NETNS}, served by ${PROCESS}: {{ $value }} half-open handshakes`,
      `{{ $value }} handshakes on port {{ $labels.port }} are half-open (threshold syn-recv=${t["syn-recv"]}): a SYN flood, lossy clients, or a listener too slow to accept. ${FIXES["syn-recv"]()}`,
    ),
    alert(
      "TcpstatSynCookiesSent",
      `${rate("tcpstat_tcp_syncookies_sent_total")} * ${windowSeconds} > 0`,
      "warning",
      explain("syn-recv"),
      `SYN cookies sent on ${INSTANCE}${NETNS}: a listener's SYN queue overflowed`,
      `The kernel sent {{ $value | humanize }} SYN cookies in the last ${w}: some listener's SYN queue was full, as under a SYN flood. ${FIXES["syn-recv"]()}`,
    ),
    alert(
      "TcpstatListenQueueOverflows",
      `${rate("tcpstat_tcp_listen_overflows_total")} * ${windowSeconds} >= ${t["listen-overflows"]} or ${rate("tcpstat_tcp_listen_drops_total")} * ${windowSeconds} >= ${t["listen-overflows"]}`,
      "warning",
      explain("listen"),
      `Listen queues overflowing on ${INSTANCE}${NETNS}: {{ $value | humanize }} in ${w}`,
      `Listen overflows or drops rose by {{ $value | humanize }} in ${w} (threshold listen-overflows=${t["listen-overflows"]}): a listener's accept queue is full and the kernel drops new handshakes. ${FIXES["accept-queue"]("the server")} ${FIXES["listen-overflows"]()}`,
    ),
    alert(
      "TcpstatFinWait2Stuck",
      `tcpstat_port_sockets{state="FIN_WAIT2"} >= ${t["fin-wait2"]}`,
      "warning",
      explain("fin-wait2"),
      `FIN_WAIT2 piling up on ${PORT} of ${INSTANCE}${NETNS} (${PROCESS}): {{ $value }} sockets`,
      `{{ $value }} sockets on ${PORT} wait in FIN_WAIT2 for the peer to close (threshold fin-wait2=${t["fin-wait2"]}); orphans (closed by their program) last net.ipv4.tcp_fin_timeout, the others without limit. ${FIXES["fin-wait2"](`peer of ${PORT}`)}`,
    ),
    alert(
      "TcpstatRetransmitRate",
      `${retransRatio} >= ${t["retrans-rate"]} and ${rate("tcpstat_tcp_segments_sent_total")} * ${windowSeconds} >= 100`,
      "warning",
      explain("established"),
      `{{ $value | humanizePercentage }} of TCP segments retransmitted on ${INSTANCE}${NETNS}`,
      `{{ $value | humanizePercentage }} of the segments sent over the last ${w} were retransmissions (threshold retrans-rate=${t["retrans-rate"]}): loss or congestion on some path, or peers that stopped answering. ${FIXES["retrans-rate"]()}`,
    ),
    alert(
      "TcpstatScrapeFailing",
      `up{${job}} == 0`,
      "critical",
      "tcpstat serve --help",
      `Prometheus cannot scrape tcpstat serve on ${INSTANCE}`,
      `The scrape of ${INSTANCE} (job ${options.job}) failed: tcpstat serve is down, not listening on that address, or /metrics answers with an error. Check the service (systemctl status tcpstat) and its log (journalctl -u tcpstat), then curl http://${INSTANCE}/metrics.`,
      "2m",
    ),
    alert(
      "TcpstatScrapeSlow",
      `scrape_duration_seconds{${job}} >= ${t["scrape-seconds"]}`,
      "warning",
      "tcpstat serve --help",
      `Scraping tcpstat serve on ${INSTANCE} takes {{ $value | humanizeDuration }}`,
      `A scrape of ${INSTANCE} took {{ $value | humanizeDuration }} (threshold scrape-seconds=${t["scrape-seconds"]}): many sockets or owners to read. tcpstat_collection_duration_seconds shows tcpstat's own part; --no-owners skips the owner scan, and a longer scrape_interval and scrape_timeout give it room.`,
    ),
  ];
  return [
    { name: "tcpstat.recording", rules: recording },
    { name: "tcpstat.alerts", rules: alerts },
  ];
}

