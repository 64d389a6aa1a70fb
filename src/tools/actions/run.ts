/**
 * The run every action tool shares (resume, resume all, restart, delete): plan → gate → runner
 * (or preview, for a dry run) → result, journaled on the way. A cancelled call's report cannot travel in its result, which the client
 * drops, so it goes out as a log message and, within a session, as a resource.
 */
import type { CallToolResult, InputRequiredResult } from "@modelcontextprotocol/server";
import { LIMITS } from "../../args/limits.js";
import { type ActionReport, emptyReport } from "../../engine/actions/report.js";
import { runAction } from "../../engine/actions/run.js";
import { encodeCursorWithin } from "../../engine/cursor.js";
import type { OperationLedger } from "../../mcp/confirm/operations.js";
import { notifyClient, progressNotifier } from "../../mcp/context.js";
import { clip, plural } from "../../mcp/results.js";
import type { ToolCall } from "../../mcp/tool.js";
import { SUMMARY_MAX_CHARS } from "../../policy.js";
import { keyUse, keyWarning } from "../shared/live-key.js";
import { nearMissesFor } from "../shared/near-miss.js";
import type { ActionPlanned } from "../shared/plan.js";
import { appliedOf } from "./applied.js";
import { previewResume } from "./dry-run.js";
import { confirmGate, type Grant } from "./gate.js";
import { changedBy, resumeToolResult } from "./result.js";
import { renameKey, spoken } from "./words.js";

export async function runActionTool(
  tool: string,
  planned: ActionPlanned,
  call: ToolCall,
): Promise<CallToolResult | InputRequiredResult> {
  const { context, scope, journal, extra } = call;
  const warnings = await liveKeyWarnings(planned, call);
  const gate = await confirmGate(tool, planned, call, warnings);
  if (!gate.proceed) return withWarnings(gate.result, warnings);
  const { grant } = gate;
  if (grant?.until !== undefined && !planned.plan.continuation) {
    // The operation covers what was in the DLQ when it was sized (and asked about).
    planned.plan.continuation = { until: grant.until };
  }
  if (grant?.allowance !== undefined) {
    // Counted means capped: never more entries than the user was shown, or the gate counted.
    planned.plan.maxRuns = Math.min(planned.plan.maxRuns ?? Number.POSITIVE_INFINITY, grant.allowance);
  }
  if (planned.dryRun) {
    const result = await previewResume(planned, call);
    journal.outcome({ dryRun: true, ...("isError" in result ? { isError: result.isError } : {}) });
    return withWarnings(result, warnings);
  }
  const notify = progressNotifier(extra);
  const action = spoken(planned.plan.action);
  const { done } = action;
  const things = (count: number) => plural(count, action.unit, action.units);
  const report =
    grant?.allowance === 0
      ? nothingCounted(planned, grant.until)
      : await runAction(
          {
            ...planned.plan,
            ...(notify
              ? {
                  onPage: ({ resumed, handled, total }) =>
                    // Against a known total the count is of ids dealt with, so it reaches the total.
                    total === undefined
                      ? notify(resumed, undefined, `${things(resumed)} ${done}`)
                      : notify(
                          handled,
                          total,
                          `${handled} of ${total} ids handled, ${things(resumed)} ${done}`,
                        ),
                }
              : {}),
          },
          scope,
        );
  const cursor = cursorFor(tool, planned, report, grant, context.cursorKey, context.operations);
  const changed = changedBy(report, action);
  const nothingMatched = report.mode === "filter" && changed.length === 0 && report.stopReason === "done";
  // Near misses explain a filter that matched nothing; with where, the filter may have matched.
  const nearMisses =
    nothingMatched && planned.plan.selection.mode === "filter" && !planned.plan.where
      ? await nearMissesFor(planned.plan.selection.filter, scope)
      : undefined;
  journal.outcome({
    stopReason: report.stopReason,
    [done]: changed.length,
    scanned: report.scanned,
    pages: report.pages,
    cursor,
    snapshot: report.snapshot,
    notFound: report.notFound.length ? report.notFound : undefined,
    [`probably${action.Done}`]: report.probablyChanged.length ? report.probablyChanged : undefined,
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
    ...(action.answers === "runs" && planned.plan.options.flowControl
      ? { flowControlKey: planned.plan.options.flowControl.key }
      : {}),
    ...(action.answers === "runs" ? { applied: appliedOf(planned.plan.options) } : {}),
    // Warnings go in the summary and in the structured content: twice, and a label each time.
    reserveChars: warnings.reduce((chars, warning) => chars + 2 * warning.length + 40, 0),
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
    const changedAny = changed.length > 0 || report.unreportedPossible || report.probablyChanged.length > 0;
    await notifyClient(extra, context, changedAny ? "error" : "info", {
      message: `${tool} was cancelled${changedAny ? " after changing the DLQ" : ""}: ${summary}${uri ? ` The whole report is at ${uri}.` : ""}`,
      result: toolResult.structuredContent,
      ...(uri ? { report: uri } : {}),
    });
    return toolResult;
  }
  return withWarnings(resumeToolResult(report, display), warnings);
}

/**
 * A redrive under a key live traffic may use is warned about before anything is done, and a new
 * operation under it is asked about (`confirmGate`); a continuation is checked again, since live
 * traffic may have come to the key since it began.
 */
async function liveKeyWarnings(planned: ActionPlanned, call: ToolCall): Promise<string[]> {
  const key = planned.plan.options.flowControl?.key;
  if (key === undefined) return [];
  const warning = keyWarning(key, await keyUse(key, planned.plan.options.label, call.scope));
  return warning === undefined ? [] : [warning];
}

function withWarnings<T extends CallToolResult | InputRequiredResult>(
  result: T,
  warnings: readonly string[],
): T {
  if (warnings.length === 0 || !("content" in result)) return result;
  const shown = result as CallToolResult;
  if (shown.isError) return result;
  const [first, ...rest] = shown.content;
  if (first?.type !== "text") return result;
  const text = clip(`Warning: ${warnings.join(" ")} ${first.text}`, SUMMARY_MAX_CHARS);
  const before = shown.structuredContent;
  const structured = before ? { ...before, warnings } : undefined;
  // The JSON copy of the structured content stays a copy of it.
  const copy = JSON.stringify(before);
  const others = rest.map((part) =>
    structured && part.type === "text" && part.text === copy
      ? { type: "text" as const, text: JSON.stringify(structured) }
      : part,
  );
  return {
    ...shown,
    content: [{ type: "text", text }, ...others],
    ...(structured ? { structuredContent: structured } : {}),
  } as T;
}

/**
 * The cursor that continues the operation: where it stopped, and what it was allowed (its options,
 * whether it was confirmed, how many more entries it may change, until when). An operation that
 * used up what it was counted at is finished: what entered the DLQ since is a new operation's, so
 * its report drops the continuation and hands out no cursor.
 */
export function cursorFor(
  tool: string,
  planned: ActionPlanned,
  report: ActionReport,
  grant: Grant | undefined,
  key: Buffer | undefined,
  operations: OperationLedger,
): string | undefined {
  const allowance =
    grant?.allowance === undefined ? undefined : Math.max(0, grant.allowance - changedSoFar(report));
  if (allowance !== undefined && grant?.operation !== undefined) {
    // Remembered here too, so an older cursor of the same operation cannot bring it back.
    operations.record(grant.operation, allowance, grant.expiresAt ?? Number.POSITIVE_INFINITY);
  }
  if (allowance === 0 && report.continuation) {
    report.continuation = undefined;
    if (report.stopReason === "maxRuns") report.stopReason = "done";
  }
  const continuation = report.continuation;
  if (!continuation) return undefined;
  return encodeCursorWithin(
    {
      tool,
      selection: planned.selection,
      options: planned.options,
      ...continuation,
      ...(grant
        ? {
            ...(grant.confirmed ? { confirmed: true } : {}),
            ...(allowance === undefined ? {} : { allowance }),
            ...(grant.operation === undefined ? {} : { operation: grant.operation }),
            ...(grant.expiresAt === undefined ? {} : { expiresAt: grant.expiresAt }),
          }
        : {}),
    },
    LIMITS.cursorLength,
    key,
  );
}

/** Entries this call changed or may have: listed, probably changed, or unreported. */
function changedSoFar(report: ActionReport): number {
  return (
    report.workflowRuns.length +
    report.deletedIds.length +
    report.probablyChanged.length +
    (report.unreportedPossible ? report.unreportedAtMost : 0)
  );
}

/** The gate counted nothing to change: the report of an operation that found nothing. */
function nothingCounted(planned: ActionPlanned, until: number | undefined): ActionReport {
  const report = emptyReport(planned.mode);
  if (until !== undefined) report.snapshot = until;
  return report;
}
