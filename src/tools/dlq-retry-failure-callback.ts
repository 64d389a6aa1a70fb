/**
 * dlq_retry_failure_callback: run the failure callback of DLQ entries again, where it failed.
 */
import { type CallbackReport, retryCallbacks } from "../dlq/callbacks.js";
import { plainOrQuoted } from "../quote.js";
import { notifyClient, progressNotifier } from "./context.js";
import { ArgumentError } from "./plan.js";
import type { CallbackResult } from "./result-schemas.js";
import { callbackOutput } from "./result-schemas.js";
import { errorInfo, plural, preview, structuredResult, toolError } from "./results.js";
import { dlqRetryCallbackInput } from "./schemas.js";
import { defineTool } from "./tool.js";

export const DLQ_RETRY_FAILURE_CALLBACK_DESCRIPTION = `Call the failure callback again for DLQ entries whose callback failed; the entries stay in the DLQ and their runs do not start.

At most 200 dlqIds, one request each. Per id: retried, refused (with the reason), not in the DLQ, or failed (call again with those).`;

export const dlqRetryFailureCallbackTool = defineTool({
  name: "dlq_retry_failure_callback",
  title: "Retry failed failure callbacks",
  description: DLQ_RETRY_FAILURE_CALLBACK_DESCRIPTION,
  inputSchema: dlqRetryCallbackInput,
  outputSchema: callbackOutput,
  annotations: {
    title: "Retry failed failure callbacks",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  plan: (args, context) => {
    const dlqIds = [...new Set(args.dlqIds)];
    // Every id is named in the result, whatever happened to it, and the result has its bound.
    const longest = dlqIds.reduce((chars, id) => Math.max(chars, JSON.stringify(id).length), 0);
    const fits = Math.floor(
      (context.policy.maxResultChars - RESULT_RESERVE_CHARS) / (2 * longest + PER_ID_CHARS),
    );
    if (dlqIds.length > fits) {
      throw new ArgumentError(
        `Pass at most ${fits} of these ids at once: the result names each one and must stay within ${context.policy.maxResultChars} characters. Split the list.`,
      );
    }
    return { mode: "ids", dlqIds };
  },
  run: async (planned, call) => {
    const notify = progressNotifier(call.extra);
    const report = await retryCallbacks(
      {
        dlqIds: planned.dlqIds,
        concurrency: call.context.policy.idConcurrency,
        ...(notify
          ? { onProgress: (handled, total) => notify(handled, total, `${handled} of ${total} ids handled`) }
          : {}),
      },
      call.scope,
    );
    call.journal.outcome({
      stopReason: report.stopReason,
      retried: report.retried.length,
      probablyRetried: report.probablyRetried.length ? report.probablyRetried : undefined,
      refused: report.refused.length ? report.refused.map((refusal) => refusal.dlqId) : undefined,
      notFound: report.notFound.length ? report.notFound : undefined,
      failed: report.failed.length ? report.failed.map((failure) => failure.dlqId) : undefined,
      notAttempted: report.notAttempted.length ? report.notAttempted : undefined,
    });
    const result = callbackResult(report);
    if (report.stopReason === "cancelled") {
      // The client drops a cancelled call's result: what was retried reaches it as a log message,
      // and within a session as a resource too.
      const uri = call.context.runLists?.keep(
        "dlq_retry_failure_callback",
        `cancelled call: ${plural(report.retried.length, "failure callback")} retried`,
        result.structuredContent as Record<string, unknown>,
      );
      const changed = report.retried.length > 0 || report.probablyRetried.length > 0;
      await notifyClient(call.extra, call.context, changed ? "error" : "info", {
        message: `dlq_retry_failure_callback was cancelled: ${(result.content[0] as { text: string }).text}${uri ? ` The whole report is at ${uri}.` : ""}`,
        result: result.structuredContent,
        ...(uri ? { report: uri } : {}),
      });
    }
    return result;
  },
});

/** Room a result keeps for its summary and fields besides the lists of ids. */
const RESULT_RESERVE_CHARS = 4_000;
/** A listed id's own fields (a run id, a refusal's reason, an error), beside the id twice over. */
const PER_ID_CHARS = 150;

function callbackResult(report: CallbackReport): ReturnType<typeof structuredResult> {
  const result: CallbackResult = { retried: report.retried, stopReason: report.stopReason };
  if (report.probablyRetried.length) result.probablyRetried = report.probablyRetried;
  if (report.refused.length) result.refused = report.refused;
  if (report.notFound.length) result.notFound = report.notFound;
  if (report.failed.length) {
    result.failed = report.failed.map(({ dlqId, error }) => ({ dlqId, error: errorInfo(error) }));
  }
  if (report.notAttempted.length) result.notAttempted = report.notAttempted;
  const parts = [
    `Retried ${plural(report.retried.length, "failure callback")}.`,
    report.probablyRetried.length
      ? `${plural(report.probablyRetried.length, "more")} most likely retried (an answer was lost, the callback is running): ${preview(report.probablyRetried)}.`
      : "",
    report.refused.length
      ? `Refused by QStash: ${report.refused
          .slice(0, 5)
          .map((refusal) => `${plainOrQuoted(refusal.dlqId, 64)} (${refusal.reason})`)
          .join(", ")}${report.refused.length > 5 ? `, and ${report.refused.length - 5} more` : ""}.`
      : "",
    report.notFound.length ? `Not in the DLQ: ${preview(report.notFound)}.` : "",
    report.failed.length
      ? `${plural(report.failed.length, "request")} failed (${report.failed[0]?.error.message}): call again with those ids.`
      : "",
    report.notAttempted.length
      ? `Stopped (${report.stopReason}) before ${plural(report.notAttempted.length, "id")}: call again with them.`
      : "",
  ].filter(Boolean);
  const nothing = report.retried.length === 0 && report.probablyRetried.length === 0;
  if (nothing && report.failed.length > 0 && report.refused.length === 0 && report.notFound.length === 0) {
    return { ...toolError(parts.slice(1).join(" ")), structuredContent: result };
  }
  return structuredResult(parts.join(" "), result);
}
