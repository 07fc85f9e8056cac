import { Command } from "commander";
import { usageError } from "../errors.js";
import { writeChunks } from "../io.js";
import { DEFAULT_FOR, DEFAULT_JOB, DEFAULT_WINDOW, DURATION, alertRules, durationSeconds } from "../knowledge/alert-rules.js";
import { RULE_THRESHOLDS, parseThresholdsOf } from "../knowledge/thresholds.js";
import { renderRulesYaml } from "../format/rules-yaml.js";
import { addExamples } from "./help.js";
import { version } from "../../package.json";

/**
 * `tcpstat rules`: doctor's rules as a Prometheus rule file (recording and alerting rules) on
 * stdout. Without options it prints exactly the file the package ships, rules/tcpstat.rules.yml;
 * --threshold, --for, --window and --job make one's own.
 */
interface RulesFlags {
  threshold?: string[];
  for?: string;
  window?: string;
  job?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function duration(flag: string, value: string | undefined, zero: boolean): string | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const hint = `give a Prometheus duration: a whole number${zero ? "" : " above 0"} and one unit of ms, s, m, h, d, w, e.g. 30s or 5m`;
  if (!DURATION.test(text) || (!zero && durationSeconds(text) === 0)) throw usageError(`bad ${flag} '${value}'`, hint);
  return text;
}

export async function runRules(flags: RulesFlags): Promise<void> {
  const thresholds = parseThresholdsOf(RULE_THRESHOLDS, flags.threshold);
  const forDuration = duration("--for", flags.for, true);
  const window = duration("--window", flags.window, false) ?? DEFAULT_WINDOW;
  const job = flags.job ?? DEFAULT_JOB;
  if (!/^[^"\\\n]+$/.test(job)) throw usageError(`bad --job '${job}'`, "give the job_name of tcpstat's scrape config, e.g. tcpstat");
  const groups = alertRules({ thresholds, for: forDuration, window, job });
  const header = [
    `Prometheus rules for tcpstat serve, written by \`tcpstat rules\` (tcpstat ${version}) with these settings:`,
    `Thresholds: ${Object.entries(thresholds).map(([k, v]) => `${k}=${v}`).join(" ")}`,
    `Rates over ${window}; for: ${forDuration ?? `${DEFAULT_FOR} (2m for a failing scrape)`}; scrape job "${job}".`,
    "Check: promtool check rules FILE. Each alert's runbook annotation is the command that explains it.",
  ];
  await writeChunks(renderRulesYaml(groups, header));
}

function thresholdHelp(): string {
  const rows = Object.entries(RULE_THRESHOLDS).map(([name, t]) => `  ${`${name}=${t.value}`.padEnd(22)}${t.help}`);
  return `\nThresholds (--threshold NAME=VALUE), doctor's own and the scrape's, with their defaults:\n${rows.join("\n")}`;
}

export function registerRules(program: Command): void {
  const cmd = new Command("rules")
    .description("Prometheus recording and alerting rules for tcpstat serve: doctor's rules for a fleet (the file the package ships)")
    .option("--threshold <name=value>", "change a threshold, e.g. close-wait=50 (repeatable)", collect)
    .option("--for <duration>", `how long a condition must hold before an alert fires, for every alert (default ${DEFAULT_FOR}; 2m for a failing scrape)`)
    .option("--window <duration>", `range that rates and growth are taken over (default ${DEFAULT_WINDOW})`)
    .option("--job <name>", `job_name of tcpstat serve in the scrape config, for the scrape alerts (default ${DEFAULT_JOB})`)
    .addHelpText("after", thresholdHelp)
    .action((flags: RulesFlags) => runRules(flags));
  addExamples(cmd, [
    { what: "the rules the package ships (rules/tcpstat.rules.yml)", tcpstat: "tcpstat rules > /etc/prometheus/rules/tcpstat.yml" },
    { what: "a stricter CLOSE_WAIT threshold, alerts after 10 minutes", tcpstat: "tcpstat rules --threshold close-wait=5 --for 10m" },
  ]);
  program.addCommand(cmd);
}
