/**
 * The run of dlq_resume and dlq_resume_all: plan → runner (or preview, for a dry run) → result,
 * journaled on the way. A cancelled call's report cannot travel in its result, which the client
 * drops, so it goes out as a log message and, within a session, as a resource.
 */
import type { CallToolResult, InputRequiredResult } from "@modelcontextprotocol/server";
import { ACTIONS } from "../dlq/actions.js";
import { encodeCursorWithin } from "../dlq/cursor.js";
import type { ResumeReport } from "../dlq/report.js";
import { runResume } from "../dlq/resume.js";
import { confirmGate } from "./confirm.js";
import { notifyClient, progressNotifier } from "./context.js";
import { previewResume } from "./dry-run.js";
import { nearMissesFor } from "./near-miss.js";
import type { ResumePlanned } from "./plan.js";
import { renameKey } from "./result-schemas.js";
import { plural } from "./results.js";
import { changedBy, resumeToolResult } from "./resume-result.js";
import { LIMITS } from "./schemas.js";
import type { ToolCall } from "./tool.js";

export async function runResumeTool(
  tool: string,
  planned: ResumePlanned,
  call: ToolCall,
): Promise<CallToolResult | InputRequiredResult> {
  const { context, scope, journal, extra } = call;
  const gate = await confirmGate(tool, planned, call);
  if (!gate.proceed) return gate.result;
  if (gate.until !== undefined) {
    // Confirmed: the operation covers what was in the DLQ when the user was asked.
    planned.resume.continuation = { until: gate.until };
  }
  if (planned.dryRun) {
    const result = await previewResume(planned, call);
    journal.outcome({ dryRun: true, ...("isError" in result ? { isError: result.isError } : {}) });
    return result;
  }
  const notify = progressNotifier(extra);
  const action = ACTIONS[planned.resume.action];
  const { done } = action;
  const things = (count: number) => plural(count, action.unit, action.units);
  const report = await runResume(
    {
      ...planned.resume,
      ...(notify
        ? {
            onPage: ({ resumed, handled, total }) =>
              // Against a known total the count is of ids dealt with, so it reaches the total.
              total === undefined
                ? notify(resumed, undefined, `${things(resumed)} ${done}`)
                : notify(handled, total, `${handled} of ${total} ids handled, ${things(resumed)} ${done}`),
          }
        : {}),
    },
    scope,
  );
  const cursor = cursorFor(tool, planned.selection, report, context.cursorKey);
  const changed = changedBy(report, action);
  const nothingMatched = report.mode === "filter" && changed.length === 0 && report.stopReason === "done";
  // Near misses explain a filter that matched nothing; with where, the filter may have matched.
  const nearMisses =
    nothingMatched && planned.resume.selection.mode === "filter" && !planned.resume.where
      ? await nearMissesFor(planned.resume.selection.filter, scope)
      : undefined;
  journal.outcome({
    stopReason: report.stopReason,
    [done]: changed.length,
    scanned: report.scanned,
    pages: report.pages,
    cursor,
    snapshot: report.snapshot,
    notFound: report.notFound.length ? report.notFound : undefined,
    [`probably${action.Done}`]: report.probablyResumed.length ? report.probablyResumed : undefined,
    unreportedPossible: report.unreportedPossible || undefined,
    unreportedAtMost: report.unreportedPossible ? report.unreportedAtMost : undefined,
    error: report.error?.message,
  });
  const display = {
    tool,
    action,
    inlineRuns: context.policy.inlineRuns,
    maxResultChars: context.policy.maxResultChars,
    ...(context.runLists ? { runLists: context.runLists } : {}),
    ...(cursor === undefined ? {} : { cursor }),
    ...(nearMisses?.length ? { nearMisses } : {}),
    journalIncomplete: journal.failed,
  };
  if (report.stopReason === "cancelled") {
    const toolResult = resumeToolResult(report, display);
    // Kept whole as a resource too, cursor and counts included, since a log message can be
    // filtered out by the client's level.
    const uri = context.runLists?.keep(tool, `cancelled call: ${things(changed.length)} ${done}`, {
      ...Object.fromEntries(
        Object.entries(report)
          .filter(([key]) => key !== (action.answers === "count" ? "workflowRuns" : "deletedIds"))
          .map(([key, value]) => [renameKey(key, action), value]),
      ),
      error: report.error?.message,
      cursor,
    });
    const summary = (toolResult.content[0] as { text: string }).text;
    const changedAny = changed.length > 0 || report.unreportedPossible || report.probablyResumed.length > 0;
    await notifyClient(extra, context, changedAny ? "error" : "info", {
      message: `${tool} was cancelled${changedAny ? " after changing the DLQ" : ""}: ${summary}${uri ? ` The whole report is at ${uri}.` : ""}`,
      result: toolResult.structuredContent,
      ...(uri ? { report: uri } : {}),
    });
    return toolResult;
  }
  return resumeToolResult(report, display);
}

export function cursorFor(
  tool: string,
  selection: string,
  report: ResumeReport,
  key: Buffer | undefined,
): string | undefined {
  const continuation = report.continuation;
  if (!continuation) return undefined;
  return encodeCursorWithin({ tool, selection, ...continuation }, LIMITS.cursorLength, key);
}
