/**
 * dlq_retry_failure_callback: run the failure callback of DLQ entries again, where it failed.
 */

import { type CallbackReport, type ProbablyRetried, retryCallbacks } from "../../engine/callbacks.js";
import { fingerprint } from "../../engine/cursor.js";
import { type Answer, gateChange } from "../../mcp/confirm/ask.js";
import { notifyClient, progressNotifier } from "../../mcp/context.js";
import { clip, errorInfo, plural, preview, structuredResult, toolError } from "../../mcp/results.js";
import { ArgumentError, defineTool, type ToolCall } from "../../mcp/tool.js";
import { plainOrQuoted } from "../../quote.js";
import { dlqRetryCallbackInput } from "./input.js";
import type { CallbackResult } from "./output.js";
import { callbackOutput } from "./output.js";

/** The tool's name, written once: definitions, cursors and journal lines use this. */
const NAME = "dlq_retry_failure_callback";

export const DLQ_RETRY_FAILURE_CALLBACK_DESCRIPTION = `Call the failure callback again for DLQ entries whose callback failed; the entries stay in the DLQ and their runs do not start.

At most 200 dlqIds, one request each. Per id: retried, refused (with the reason), not in the DLQ, or failed (call again with those).`;

export const dlqRetryFailureCallbackTool = defineTool({
  name: NAME,
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
    return { mode: "ids", dlqIds, ...(args.confirm === undefined ? {} : { confirm: args.confirm }) };
  },
  run: async (planned, call) => {
    const gate = await gateCallbacks(planned.dlqIds, planned.confirm, call);
    if (!gate.proceed) return gate.result;
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
      probablyRetried: report.probablyRetried.length
        ? report.probablyRetried.map((entry) => entry.dlqId)
        : undefined,
      refused: report.refused.length ? report.refused.map((refusal) => refusal.dlqId) : undefined,
      notFound: report.notFound.length ? report.notFound : undefined,
      failed: report.failed.length ? report.failed.map((failure) => failure.dlqId) : undefined,
      notAttempted: report.notAttempted.length ? report.notAttempted : undefined,
    });
    const result = callbackResult(report, call.journal.failed);
    if (report.stopReason === "cancelled") {
      // The client drops a cancelled call's result: what was retried reaches it as a log message,
      // and within a session as a resource too.
      const uri = call.context.runLists?.keep(
        NAME,
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

/**
 * Each retried callback runs again (often a refund or a customer notification): more than
 * `--confirm-over` of them, or past the session's unasked changes, are asked about first.
 */
function gateCallbacks(
  dlqIds: readonly string[],
  confirm: string | undefined,
  call: ToolCall,
): Promise<Answer> {
  const tool = NAME;
  return gateChange(
    {
      tool,
      binding: fingerprint([tool, [...dlqIds].sort()]),
      confirm,
      done: "retried",
      entries: dlqIds.length,
      always: false,
      question: `Retry the failure callbacks of ${plural(dlqIds.length, "DLQ entry", "DLQ entries")} by id? Each callback runs again where it failed.`,
      preview: async () =>
        structuredResult(
          `Would retry up to ${plural(dlqIds.length, "failure callback")}: ${preview(dlqIds)}.`,
          {
            retried: [],
            stopReason: "unconfirmed",
          },
        ),
      declined: () =>
        structuredResult("The user did not confirm: no failure callback was retried.", {
          retried: [],
          stopReason: "declined",
        }),
    },
    call,
  );
}

/** Room a result keeps for its summary and fields besides the lists of ids. */
const RESULT_RESERVE_CHARS = 4_000;
/** A listed id's own fields (a run id, a refusal's reason, an error), beside the id twice over. */
const PER_ID_CHARS = 150;

function callbackResult(
  report: CallbackReport,
  journalIncomplete: boolean,
): ReturnType<typeof structuredResult> {
  const result: CallbackResult = { retried: report.retried, stopReason: report.stopReason };
  if (journalIncomplete) result.journalIncomplete = true;
  if (report.probablyRetried.length) result.probablyRetried = report.probablyRetried;
  if (report.refused.length) result.refused = report.refused;
  if (report.notFound.length) result.notFound = report.notFound;
  if (report.failed.length) {
    result.failed = report.failed.map(({ dlqId, error }) => ({ dlqId, error: errorInfo(error) }));
  }
  if (report.notAttempted.length) result.notAttempted = report.notAttempted;
  const parts = [
    `Retried ${plural(report.retried.length, "failure callback")}.`,
    report.probablyRetried.length ? probablyRetriedText(report.probablyRetried) : "",
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

/**
 * The ids whose answer was lost, each with what its entry read afterwards: whether to retry one
 * is the caller's call, since its callback (a refund, a notification) may have run already.
 */
function probablyRetriedText(entries: readonly ProbablyRetried[]): string {
  const shown = entries.slice(0, 5).map(({ dlqId, state }) => {
    const id = clip(dlqId, 64);
    if (state === "gone") return `${id} is no longer in the DLQ`;
    if (state === "unknown") return `${id} could not be read`;
    return `${id} reads ${state} now`;
  });
  const more = entries.length > 5 ? `, and ${entries.length - 5} more` : "";
  return `${plural(entries.length, "more")} probably retried: the answer was lost, so the callback may have run and was not sent again (${shown.join("; ")}${more}). Check the callback's effects before retrying ${entries.length === 1 ? "it" : "any of them"}.`;
}
