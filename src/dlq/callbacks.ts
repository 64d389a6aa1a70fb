/**
 * Retrying failed failure callbacks: one request per DLQ entry, a few at a time. The entry stays
 * in the DLQ; only its callback runs again. QStash refuses (400) an entry whose callback did not
 * fail, and the entry's state, read with one lookup, says which case it is. A retry whose answer
 * was lost is sent again: if the first went through, the second is refused as "in progress", and
 * the id is reported as probably retried.
 */
import type { QStashError } from "../qstash/errors.js";
import type { FailureFunctionState } from "../wire/types.js";
import { mapWithConcurrency } from "./concurrency.js";
import type { CallScope, StopReason } from "./scope.js";

export interface CallbackPlan {
  dlqIds: readonly string[];
  concurrency: number;
  onProgress?: (handled: number, total: number) => void;
}

export interface CallbackRefusal {
  dlqId: string;
  /** The entry's callback state when QStash refused; absent when it has no failure callback. */
  state?: FailureFunctionState;
  reason: string;
}

export interface CallbackReport {
  retried: { dlqId: string; workflowRunId: string }[];
  /** A retry's answer was lost and the next attempt found the callback in progress. */
  probablyRetried: string[];
  refused: CallbackRefusal[];
  notFound: string[];
  failed: { dlqId: string; error: QStashError }[];
  /** Ids not sent: the call was cancelled, timed out or the server is shutting down. */
  notAttempted: string[];
  stopReason: StopReason;
}

export async function retryCallbacks(plan: CallbackPlan, scope: CallScope): Promise<CallbackReport> {
  const report: CallbackReport = {
    retried: [],
    probablyRetried: [],
    refused: [],
    notFound: [],
    failed: [],
    notAttempted: [],
    stopReason: "done",
  };
  let handled = 0;
  await mapWithConcurrency(plan.dlqIds, plan.concurrency, async (dlqId) => {
    const halt = scope.halted();
    if (halt) {
      report.notAttempted.push(dlqId);
      if (report.stopReason === "done") report.stopReason = halt;
      return;
    }
    const attempted = await scope.attempt((context) => scope.api.retryCallback(dlqId, context));
    if (attempted.ok) {
      report.retried.push({ dlqId, workflowRunId: attempted.value.workflowRunId });
    } else if (attempted.error.kind === "notFound") {
      report.notFound.push(dlqId);
    } else if (attempted.error.kind === "badRequest") {
      const refusal = await explainRefusal(dlqId, scope);
      if (attempted.uncertain && refusal.state === "CALLBACK_INPROGRESS") report.probablyRetried.push(dlqId);
      else report.refused.push(refusal);
    } else {
      report.failed.push({ dlqId, error: attempted.error });
      const stop = scope.stopReasonFor(attempted.error);
      if (stop !== "error" && report.stopReason === "done") report.stopReason = stop;
    }
    handled += 1;
    try {
      plan.onProgress?.(handled, plan.dlqIds.length);
    } catch {}
  });
  if (report.stopReason === "done" && report.failed.length > 0) report.stopReason = "error";
  return report;
}

const REASONS: Record<FailureFunctionState | "none", string> = {
  none: "it has no failure callback",
  CALLBACK_INPROGRESS: "its failure callback is running now",
  CALLBACK_SUCCESS: "its failure callback already succeeded",
  CALLBACK_CANCELED: "its failure callback was cancelled",
  CALLBACK_FAIL: "QStash refused it although its callback failed; try again later",
};

/** Why QStash refused: the entry's callback state, read back. */
async function explainRefusal(dlqId: string, scope: CallScope): Promise<CallbackRefusal> {
  const looked = scope.halted() ? undefined : await scope.attempt((context) => scope.api.get(dlqId, context));
  if (!looked?.ok || looked.value === undefined) {
    return { dlqId, reason: "QStash refused it: its failure callback did not fail, or it has none" };
  }
  const state = looked.value.failureFunctionState ?? looked.value.failureCallbackInfo?.state;
  return state === undefined ? { dlqId, reason: REASONS.none } : { dlqId, state, reason: REASONS[state] };
}
