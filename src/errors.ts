/**
 * Exit codes, documented in the README: findings is doctor's "something found" (distinct from
 * usage and failure); interrupted and terminated are 128 + SIGINT / SIGTERM, as a shell reports them.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, findings: 3, interrupted: 130, terminated: 143 } as const;

/**
 * The one error type: a message that names the problem, a hint that names the fix,
 * and the exit code. The top-level handler prints it as one line.
 */
export class TcpstatError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
    this.name = "TcpstatError";
  }
}

export const usageError = (message: string, hint?: string) => new TcpstatError(message, hint, EXIT.usage);
