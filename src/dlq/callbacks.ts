/**
 * Retrying failed failure callbacks: one request per DLQ entry, a few at a time. The entry stays
 * in the DLQ; only its callback runs again. QStash refuses (400) an entry whose callback did not
 * fail, and the entry's state, read with one lookup, says which case it is. A retry whose answer
 * was lost is not simply sent again, since the callback may already be running: the entry's state
 * is read first. Running or succeeded, the id is reported as probably retried; still failed, the
 * lost send changed nothing and it goes again.
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

/** Sends sent again after a lost answer, when the entry shows the lost one changed nothing. */
const RESENDS_AFTER_LOST_ANSWER = 2;

async function retryOne(dlqId: string, scope: CallScope, report: CallbackReport): Promise<void> {
  let lostBefore = false;
  for (let resends = 0; ; resends++) {
    const attempted = await scope.attempt((context) => scope.api.retryCallback(dlqId, context), {
      ambiguousIsFinal: true,
    });
    if (attempted.ok) {
      report.retried.push({ dlqId, workflowRunId: attempted.value.workflowRunId });
      return;
    }
    if (attempted.error.kind === "notFound") {
      report.notFound.push(dlqId);
      return;
    }
    if (attempted.error.kind === "badRequest") {
      const refusal = await explainRefusal(dlqId, scope);
      // Refused as running after an earlier send's answer was lost: that send started it.
      if (lostBefore && refusal.state === "CALLBACK_INPROGRESS") report.probablyRetried.push(dlqId);
      else report.refused.push(refusal);
      return;
    }
    if (attempted.uncertain) {
      lostBefore = true;
      const state = await stateOf(dlqId, scope);
      // Still failed: the lost send changed nothing, and sending again cannot run it twice.
      if (state === "CALLBACK_FAIL" && resends < RESENDS_AFTER_LOST_ANSWER && !scope.halted()) continue;
      if (state === "CALLBACK_INPROGRESS" || state === "CALLBACK_SUCCESS") {
        report.probablyRetried.push(dlqId);
        return;
      }
    }
    report.failed.push({ dlqId, error: attempted.error });
    const stop = scope.stopReasonFor(attempted.error);
    if (stop !== "error" && report.stopReason === "done") report.stopReason = stop;
    return;
  }
}

/** The entry's callback state, "none" without a callback, undefined when it could not be read. */
async function stateOf(dlqId: string, scope: CallScope): Promise<FailureFunctionState | "none" | undefined> {
  const looked = scope.halted() ? undefined : await scope.attempt((context) => scope.api.get(dlqId, context));
  if (!looked?.ok || looked.value === undefined) return undefined;
  return looked.value.failureFunctionState ?? looked.value.failureCallbackInfo?.state ?? "none";
}

/** Why QStash refused: the entry's callback state, read back. */
async function explainRefusal(dlqId: string, scope: CallScope): Promise<CallbackRefusal> {
  const state = await stateOf(dlqId, scope);
  if (state === undefined) {
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
