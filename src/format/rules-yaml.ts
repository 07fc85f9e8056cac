import type { RuleGroup } from "../knowledge/alert-rules.js";

/**
 * Prometheus rule groups as a YAML rule file, the layout `promtool check rules` reads:
 *
 *   groups:
 *     - name: tcpstat.alerts
 *       rules:
 *         - alert: TcpstatCloseWaitLeak
 *           expr: "tcpstat_port_sockets{state=\"CLOSE_WAIT\"} >= 10 and ..."
 *           for: 5m
 *
 * Every string is written double-quoted with JSON's escapes, which YAML's double-quoted
 * scalars share, so no text (a template's braces, a colon, a quote) is ever read as structure.
 */
const q = (text: string) => JSON.stringify(text);

function* mapping(entries: Record<string, string>, indent: string): Iterable<string> {
  for (const [k, v] of Object.entries(entries)) yield `${indent}${k}: ${q(v)}\n`;
}

export function* renderRulesYaml(groups: readonly RuleGroup[], header: readonly string[] = []): Iterable<string> {
  for (const line of header) yield `# ${line}\n`;
  yield "groups:\n";
  for (const group of groups) {
    yield `  - name: ${q(group.name)}\n    rules:\n`;
    for (const rule of group.rules) {
      if ("record" in rule) {
        yield `      - record: ${q(rule.record)}\n        expr: ${q(rule.expr)}\n`;
        continue;
      }
      yield `      - alert: ${q(rule.alert)}\n        expr: ${q(rule.expr)}\n        for: ${q(rule.for)}\n`;
      yield "        labels:\n";
      yield* mapping(rule.labels, "          ");
      yield "        annotations:\n";
      yield* mapping(rule.annotations, "          ");
    }
  }
}
