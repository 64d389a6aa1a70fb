/**
 * Server-wide bounds on every call, set by flags or their environment variables.
 */
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./dlq/retry.js";

export interface CallPolicy {
  /** Wall-clock budget of one tool call; no new page starts after it. */
  deadlineMs: number;
  /** Never resume more runs than this in one call. */
  maxRunsPerCall?: number;
  /** Id batches sent at once; the HTTP pool is sized to match. */
  idConcurrency: number;
  /** Runs listed inline in a result; the full list goes to a resource beyond this. */
  inlineRuns: number;
  retry: RetryPolicy;
}

export const DEFAULT_DEADLINE_MS = 60_000;

export const DEFAULT_CALL_POLICY: CallPolicy = {
  deadlineMs: DEFAULT_DEADLINE_MS,
  idConcurrency: 4,
  inlineRuns: 200,
  retry: DEFAULT_RETRY_POLICY,
};
