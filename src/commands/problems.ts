import { escapeControl } from "../lib/safe-text.js";
import type { Problem } from "../model/socket.js";
import { writeError } from "../io.js";

/** Lines dropped: a line two reasons were found for is still one line. */
const distinctLines = (problems: readonly Problem[]) => new Set(problems.map((p) => `${p.source}\0${p.line}`)).size;

/** Bad lines: how many, and the first one quoted with its line number. Once, on stderr. */
export function reportProblems(problems: readonly Problem[], total = distinctLines(problems)): void {
  const first = problems[0];
  if (!first) return;
  writeError(
    `tcpstat: skipped ${total} unreadable line(s); first at ${first.source}:${first.line}: ${first.reason}: "${escapeControl(first.text.slice(0, 120))}"`,
  );
}

/**
 * What a run says on stderr besides its output, in this order: where the sockets came from
 * (the `verbose` lines, given only with --verbose), then, unless quiet, each notice and the
 * unreadable lines (`problemCount` of them when only the first is kept).
 */
export function sayRemarks(
  said: { verbose?: readonly string[]; notices: readonly string[]; problems: readonly Problem[]; problemCount?: number },
  quiet = false,
): void {
  for (const line of said.verbose ?? []) writeError(`tcpstat: ${line}`);
  if (quiet) return;
  for (const notice of said.notices) writeError(`tcpstat: ${notice}`);
  reportProblems(said.problems, said.problemCount);
}
