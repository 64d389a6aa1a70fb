/**
 * Another attempt for failures that may pass: 429s wait as long as the server asks, 5xx,
 * timeouts, dropped connections and garbled bodies back off exponentially with jitter. Every wait
 * fits inside the call's deadline, and the result says whether any failed attempt may have been
 * processed by the server (its outcome is unknown).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { asQStashError, type QStashError, TRANSIENT_KINDS } from "../qstash/errors.js";

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** Delay before the second attempt; doubled each time, then jittered. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 8_000 };

export interface RetryContext {
  /** Aborts the request and any wait (the deadline's cut-off). */
  signal?: AbortSignal;
  /** Ends a wait early: the call was cancelled, the process is shutting down, or the cut-off came. */
  wake?: AbortSignal;
  /** Epoch milliseconds after which no wait may end. */
  deadlineAt?: number;
  /** Whether another attempt may start (not once the call was cancelled or a shutdown began). */
  mayRetry?: () => boolean;
  /** Give up at the first failure the server may have processed, instead of repeating it. */
  ambiguousIsFinal?: boolean;
  onRetry?: (info: { attempt: number; delayMs: number; error: QStashError }) => void;
}

export type Attempted<T> =
  | { ok: true; value: T; uncertain: boolean }
  | { ok: false; error: QStashError; uncertain: boolean };

export async function withRetries<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy,
  context: RetryContext = {},
): Promise<Attempted<T>> {
  let uncertain = false;
  for (let attemptNumber = 1; ; attemptNumber++) {
    let error: QStashError;
    try {
      return { ok: true, value: await attempt(), uncertain };
    } catch (caught) {
      error = asQStashError(caught);
    }
    if (!error.surelyNotProcessed) uncertain = true;
    if (
      !TRANSIENT_KINDS.has(error.kind) ||
      attemptNumber >= policy.maxAttempts ||
      (context.ambiguousIsFinal && !error.surelyNotProcessed) ||
      context.mayRetry?.() === false
    ) {
      return { ok: false, error, uncertain };
    }
    const delayMs = retryDelay(error, attemptNumber, policy);
    if (context.deadlineAt !== undefined && Date.now() + delayMs > context.deadlineAt) {
      return { ok: false, error, uncertain };
    }
    context.onRetry?.({ attempt: attemptNumber, delayMs, error });
    const wake = context.wake ?? context.signal;
    try {
      await sleep(delayMs, undefined, wake ? { signal: wake } : undefined);
    } catch {
      // Woken early: the failure stands, and the caller sees why from its scope.
      return { ok: false, error, uncertain };
    }
    if (context.mayRetry?.() === false) return { ok: false, error, uncertain };
  }
}

function retryDelay(error: QStashError, attemptNumber: number, policy: RetryPolicy): number {
  if (error.kind === "rateLimited" && error.retryAfterSeconds !== undefined) {
    // The reset time is the server's word; a little slack keeps us from arriving a hair early.
    return Math.ceil(error.retryAfterSeconds * 1000) + 50;
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptNumber - 1));
  return Math.round(ceiling * (0.5 + Math.random() * 0.5));
}
