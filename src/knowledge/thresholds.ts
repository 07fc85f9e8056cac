import { usageError } from "../errors.js";

/**
 * Doctor's thresholds, sensible for a production server; each can be changed with
 * `--threshold name=value`. Counts are per group (process, port or peer), not machine-wide,
 * so one busy service does not hide behind the total, nor a big machine trip on sheer size.
 */
export const THRESHOLDS = {
  "close-wait": { value: 10, help: "CLOSE_WAIT sockets held by one process" },
  "time-wait": { value: 1000, help: "TIME_WAIT sockets on one local port or toward one peer" },
  "syn-recv": { value: 100, help: "half-open handshakes (SYN_RECV) on one listening port" },
  "accept-queue": { value: 0.9, help: "fraction of a listener's backlog waiting in its accept queue" },
  "listen-overflows": { value: 1, help: "listen overflows or drops counted between the two readings" },
  "syn-sent": { value: 10, help: "connection attempts (SYN_SENT) toward one peer" },
  "fin-wait2": { value: 50, help: "FIN_WAIT2 sockets waiting on one peer" },
  "last-ack": { value: 50, help: "LAST_ACK sockets waiting on one peer" },
  retransmits: { value: 5, help: "sockets toward one peer that retransmitted 3 times or more" },
  "retrans-rate": { value: 0.05, help: "retransmitted share of segments sent between the readings" },
  ephemeral: { value: 0.8, help: "share of the ephemeral port range used toward one destination" },
} as const;

export type ThresholdName = keyof typeof THRESHOLDS;
export type Thresholds = Record<ThresholdName, number>;

export const defaultThresholds = (): Thresholds =>
  Object.fromEntries(Object.entries(THRESHOLDS).map(([k, v]) => [k, v.value])) as Thresholds;

/** A threshold table: name -> default value and what it measures. */
export type ThresholdTable = Readonly<Record<string, { readonly value: number; readonly help: string }>>;

/**
 * ["close-wait=50", "time-wait=5000"] -> doctor's thresholds (or another table's, with `command`
 * naming whose flag it is); unknown names and bad numbers are usage errors.
 */
export function parseThresholds(pairs: readonly string[] = []): Thresholds {
  return parseThresholdsOf(THRESHOLDS, pairs) as Thresholds;
}

export function parseThresholdsOf<T extends ThresholdTable>(table: T, pairs: readonly string[] = []): Record<keyof T & string, number> {
  const out = Object.fromEntries(Object.entries(table).map(([k, v]) => [k, v.value])) as Record<string, number>;
  const names = Object.keys(table);
  for (const pair of pairs) {
    const m = /^([a-z0-9-]+)=(\d+(?:\.\d+)?)$/i.exec(pair.trim());
    if (!m) throw usageError(`bad threshold '${pair}'`, "write NAME=NUMBER, e.g. --threshold close-wait=50");
    const name = m[1]!.toLowerCase();
    if (!names.includes(name)) throw usageError(`unknown threshold '${m[1]}'`, `choose one of: ${names.join(", ")}`);
    const value = Number(m[2]);
    if (value <= 0) throw usageError(`threshold ${name} must be above 0`, `e.g. --threshold ${name}=${table[name]!.value}`);
    out[name] = value;
  }
  return out as Record<keyof T & string, number>;
}

/** The thresholds of doctor's rules that the Prometheus alert rules (`tcpstat rules`) mirror. */
const MIRRORED = ["close-wait", "time-wait", "syn-recv", "listen-overflows", "fin-wait2", "retrans-rate", "ephemeral"] as const;

/**
 * The alert rules' thresholds: doctor's own entries (the same objects, so one source), and the
 * one about tcpstat itself, which doctor has no use for.
 */
export const RULE_THRESHOLDS = {
  ...(Object.fromEntries(MIRRORED.map((name) => [name, THRESHOLDS[name]])) as Pick<typeof THRESHOLDS, (typeof MIRRORED)[number]>),
  "scrape-seconds": { value: 5, help: "seconds a scrape of tcpstat serve may take before it counts as slow" },
} as const;

export type RuleThresholds = Record<keyof typeof RULE_THRESHOLDS, number>;
