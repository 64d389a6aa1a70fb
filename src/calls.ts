/**
 * The tool calls in flight in this process, so a shutdown (stdin closing, SIGTERM, the HTTP
 * drain) can tell them to start no new page, wait for the requests already sent to be answered
 * and journaled, and only then close the journal and exit.
 */

export interface ActiveCall {
  /** Aborted when the process starts shutting down: the call finishes its page and returns. */
  readonly stopping: AbortSignal;
  end(): void;
}

export class CallTracker {
  private readonly active = new Set<{ resolve?: () => void }>();
  private readonly shutdown = new AbortController();
  private readonly idle: (() => void)[] = [];

  /** True once shutdown began: new calls are refused or stop at once. */
  get stopping(): boolean {
    return this.shutdown.signal.aborted;
  }

  get size(): number {
    return this.active.size;
  }

  begin(): ActiveCall {
    const entry = {};
    this.active.add(entry);
    return {
      stopping: this.shutdown.signal,
      end: () => {
        if (!this.active.delete(entry)) return;
        if (this.active.size === 0) for (const resolve of this.idle.splice(0)) resolve();
      },
    };
  }

  /**
   * Tells every call to start nothing new, then waits until all have returned or `graceMs` has
   * passed. Resolves true when every call ended in time.
   */
  async settle(graceMs: number): Promise<boolean> {
    this.shutdown.abort();
    if (this.active.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      new Promise<true>((resolve) => this.idle.push(() => resolve(true))),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    return ended;
  }
}
