/**
 * Server-wide bounds on every call, set by flags or their environment variables. The defaults
 * live here and nowhere else.
 */
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./engine/retry.js";

export interface CallPolicy {
  /** Wall-clock budget of one tool call; no new page starts after it. */
  deadlineMs: number;
  /** Never resume more runs than this in one call. */
  maxRunsPerCall?: number;
  /** Id batches sent at once; the HTTP pool is sized to match. */
  idConcurrency: number;
  /** Runs listed inline in a result; the full list goes to a resource beyond this. */
  inlineRuns: number;
  /** All text content of one result, at most. */
  maxResultChars: number;
  /**
   * A change of more entries than this (or of all of them) is first confirmed by the user;
   * undefined: never asked (unattended automation).
   */
  confirmOver?: number;
  /**
   * How long an operation that changes the DLQ may be continued by cursor once it began, while
   * changes are asked about: what was allowed then no longer covers what the DLQ holds later.
   */
  operationLifetimeMs: number;
  retry: RetryPolicy;
}

/**
 * MCP clients give up on a call after about 60 s (the TypeScript SDK's default request timeout,
 * Claude Desktop): with the 2 s cut-off for a request in flight, every call answers well before.
 */
export const DEFAULT_DEADLINE_MS = 25_000;

/** The first text block of a result, the one a person reads, is at most this long. */
export const SUMMARY_MAX_CHARS = 1_500;

export const DEFAULT_CALL_POLICY: CallPolicy = {
  deadlineMs: DEFAULT_DEADLINE_MS,
  idConcurrency: 4,
  inlineRuns: 200,
  // Claude Code warns past 10,000 tokens of tool output and cuts at 25,000.
  maxResultChars: 40_000,
  confirmOver: 100,
  operationLifetimeMs: 60 * 60_000,
  retry: DEFAULT_RETRY_POLICY,
};
