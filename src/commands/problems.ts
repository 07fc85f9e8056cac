import { escapeControl } from "../lib/safe-text.js";
import type { Problem } from "../model/socket.js";
import { writeError } from "../io.js";

/** Bad lines: how many, and the first one quoted with its line number. Once, on stderr. */
export function reportProblems(problems: readonly Problem[], total = problems.length): void {
  const first = problems[0];
  if (!first) return;
  writeError(
    `tcpstat: skipped ${total} unreadable line(s); first at ${first.source}:${first.line}: ${first.reason}: "${escapeControl(first.text.slice(0, 120))}"`,
  );
}
