/**
 * Retrying failed failure callbacks: one request per DLQ entry, a few at a time. The entry stays
 * in the DLQ; only its callback runs again. QStash refuses (400) an entry whose callback did not
 * fail, and the entry's state, read with one lookup, says which case it is.
 *
 * A retry whose answer was lost (a dropped connection, a timeout, a 5xx, a garbled answer) is
 * never sent again. A failure callback is often a refund or a customer notification, and the
 * entry cannot tell whether the lost send ran it: reading CALLBACK_FAIL afterwards looks the same
 * whether the request never arrived or the callback ran and failed again quickly. The id is
 * reported as probably retried with the state read afterwards, and the caller decides.
 */
import type { QStashError } from "../qstash/errors.js";
import { plainOrQuoted } from "../quote.js";
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

/**
 * What an entry read after a retry whose answer was lost: its callback state, "gone" when it is no
 * longer in the DLQ, "unknown" when it could not be read.
 */
export type StateAfterLostAnswer = FailureFunctionState | "gone" | "unknown";

export interface ProbablyRetried {
  dlqId: string;
  state: StateAfterLostAnswer;
}

export interface CallbackReport {
  retried: { dlqId: string; workflowRunId: string }[];
  /** Sent, but the answer was lost: the callback may have run, so the retry was not sent again. */
  probablyRetried: ProbablyRetried[];
  refused: CallbackRefusal[];
  notFound: string[];
  failed: { dlqId: string; error: QStashError }[];
  /** Ids not sent: the call was cancelled, timed out or the server is shutting down. */
  notAttempted: string[];
  stopReason: StopReason;
}

/** A report of nothing retried: where a call that found no entry starts, and ends. */
export function emptyCallbackReport(): CallbackReport {
  return {
    retried: [],
    probablyRetried: [],
    refused: [],
    notFound: [],
    failed: [],
    notAttempted: [],
    stopReason: "done",
  };
}

export async function retryCallbacks(plan: CallbackPlan, scope: CallScope): Promise<CallbackReport> {
  const report = emptyCallbackReport();
  let handled = 0;
  await mapWithConcurrency(plan.dlqIds, plan.concurrency, async (dlqId) => {
    const halt = scope.halted();
    if (halt) {
      report.notAttempted.push(dlqId);
      if (report.stopReason === "done") report.stopReason = halt;
      return;
    }
    await retryOne(dlqId, scope, report);
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

async function retryOne(dlqId: string, scope: CallScope, report: CallbackReport): Promise<void> {
  // Final at the first failure QStash may have processed: repeating it could run the callback twice.
  const attempted = await scope.attempt((context) => scope.api.retryCallback(dlqId, context), {
    ambiguousIsFinal: true,
  });
  if (attempted.ok) {
    report.retried.push({ dlqId, workflowRunId: attempted.value.workflowRunId });
    return;
  }
  const { error } = attempted;
  if (error.kind === "notFound") {
    report.notFound.push(dlqId);
    return;
  }
  if (error.kind === "badRequest") {
    report.refused.push(await explainRefusal(dlqId, scope));
    return;
  }
  if (attempted.uncertain) {
    const state = await stateOf(dlqId, scope);
    // Without a failure callback there was nothing to run: QStash refused it, whatever became of the answer.
    if (state === "none") report.refused.push({ dlqId, reason: REASONS.none });
    else report.probablyRetried.push({ dlqId, state });
  } else {
    report.failed.push({ dlqId, error });
  }
  const stop = scope.stopReasonFor(error);
  if (stop !== "error" && report.stopReason === "done") report.stopReason = stop;
}

/** The entry's callback state: "none" without a callback, "gone" out of the DLQ, "unknown" unread. */
async function stateOf(dlqId: string, scope: CallScope): Promise<StateAfterLostAnswer | "none"> {
  if (scope.halted()) return "unknown";
  const looked = await scope.attempt((context) => scope.api.get(dlqId, context));
  if (!looked.ok) return "unknown";
  if (looked.value === undefined) return "gone";
  return looked.value.failureFunctionState ?? looked.value.failureCallbackInfo?.state ?? "none";
}

/** Why QStash refused: the entry's callback state, read back. */
async function explainRefusal(dlqId: string, scope: CallScope): Promise<CallbackRefusal> {
  const state = await stateOf(dlqId, scope);
  if (state === "unknown" || state === "gone") {
    return { dlqId, reason: "QStash refused it: its failure callback did not fail, or it has none" };
  }
  if (state === "none") return { dlqId, reason: REASONS.none };
  // A state this server does not know yet still gets a reason, so the result stays whole; it is
  // QStash's word, so anything but a plain one is quoted.
  return {
    dlqId,
    state,
    reason: REASONS[state] ?? `its failure callback is ${plainOrQuoted(String(state).toLowerCase(), 64)}`,
  };
}
