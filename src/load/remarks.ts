import { escapeControl } from "../lib/safe-text.js";
import { longLinesNotice, type LongLines } from "../lib/stream-input.js";
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

/**
 * What a capture read in batches says on stderr, gathered as the batches come: the first
 * unreadable line and how many there were, each notice once, the --verbose line, and the lines
 * skipped for being longer than 64 KiB. Said once, at the end, as sayRemarks says a report's.
 */
export class Remarks {
  private first: Problem | undefined;
  private count = 0;
  private notices: string[] = [];
  private verbose: string | undefined;

  /** Lines longer than 64 KiB, skipped by the reader (issue 22). */
  long: LongLines = { count: 0, firstLine: 0 };

  add(batch: { verbose?: string; problems: readonly Problem[]; notices?: readonly string[] }): void {
    this.verbose ??= batch.verbose;
    this.first ??= batch.problems[0];
    this.count += batch.problems.length;
    for (const n of batch.notices ?? []) if (!this.notices.includes(n)) this.notices.push(n);
  }

  get problems(): number {
    return this.count;
  }

  say(source: string, flags: { verbose?: boolean; quiet?: boolean }): void {
    const long = longLinesNotice(this.long, source);
    if (long !== null) this.notices.unshift(long);
    const verbose = flags.verbose && this.verbose ? [this.verbose] : undefined;
    sayRemarks({ verbose, notices: this.notices, problems: this.first ? [this.first] : [], problemCount: this.count }, flags.quiet);
  }
}
