import type { TraceSession } from "../../trace.js";

/**
 * The header's transitions a second, from `trace` (tracefs) when this machine allows it:
 * state changes counted as they happen, the rate over the last refresh. Without tracefs
 * (not root, no tracefs, a kernel without the tracepoint) the header says why, and nothing
 * is polled in its place (the table is polled already). The tracefs instance is removed on
 * every way out (stop(), called by the terminal's cleanup).
 */
export class TransitionRate {
  private session: TraceSession | null = null;
  private count = 0;
  private since = Date.now();
  private stopped = false;
  note: string | null = "starting";

  async start(): Promise<void> {
    try {
      const { startTrace } = await import("../../trace.js");
      const session = await startTrace({ exact: true });
      if (this.stopped) {
        session.stop();
        return;
      }
      this.session = session;
      this.since = Date.now();
      session.on((e) => {
        if (e.kind === "transition") this.count++;
      });
      session.onError((error) => {
        this.session = null;
        this.note = `trace stopped: ${error.message}`;
      });
      this.note = null;
    } catch (error) {
      this.note = /permission|EACCES|EPERM|root/i.test((error as Error).message) ? "needs root (tracefs)" : "no tracefs here";
    }
  }

  /** Transitions a second since the last call; null when not tracing. */
  take(now = Date.now()): number | null {
    if (this.session === null) return null;
    const seconds = (now - this.since) / 1000;
    const rate = seconds > 0 ? this.count / seconds : 0;
    this.count = 0;
    this.since = now;
    return rate;
  }

  stop(): void {
    this.stopped = true;
    this.session?.stop();
    this.session = null;
  }
}
