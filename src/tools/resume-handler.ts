/**
 * The call path shared by dlq_resume and dlq_resume_all:
 * arguments → plan → runner (or preview, for a dry run) → result, journaled on the way.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { previewIds, previewSelection } from "../dlq/preview.js";
import { type ResumePlan, runResume } from "../dlq/resume.js";
import { QStashError } from "../qstash/errors.js";
import { MAX_RUNS_PER_RESUME_REQUEST } from "../wire/types.js";
import { compactMessage } from "./compact.js";
import { type CallExtra, notifyClient, runContext, type ToolContext } from "./context.js";
import { ArgumentError, planResume } from "./plan.js";
import {
  errorInfo,
  plural,
  resumeToolResult,
  structuredResult,
  toolError,
  toResumeResult,
} from "./results.js";
import { type DlqResumeAllArgs, type DlqResumeArgs, type ResumeResult, SUMMARY_SAMPLE } from "./schemas.js";
import { summarize } from "./summary.js";

export async function handleResume(
  server: McpServer,
  context: ToolContext,
  tool: string,
  args: DlqResumeArgs | DlqResumeAllArgs,
  extra: CallExtra,
): Promise<CallToolResult> {
  let plan: ResumePlan;
  try {
    context.api.client.assertConfigured();
    plan = planResume(args, context.policy);
  } catch (error) {
    if (error instanceof ArgumentError || error instanceof QStashError) return toolError(error.message);
    throw error;
  }
  const journal = context.journal.startCall(tool, plan.selection.mode, args);
  if (args.dryRun) {
    const result = await dryRun(plan, context, extra, journal);
    journal.outcome({ dryRun: true, ...("isError" in result ? { isError: result.isError } : {}) });
    return result;
  }
  const report = await runResume(
    plan,
    runContext(context, extra, journal, ({ resumed, handled, total }) =>
      total === undefined
        ? `${plural(resumed, "run")} resumed`
        : `${handled} of ${total} ids handled, ${plural(resumed, "run")} resumed`,
    ),
  );
  const result = toResumeResult(report);
  journal.outcome({
    stopReason: result.stopReason,
    resumed: result.resumed,
    pages: result.pages,
    cursor: result.cursor,
    notFound: result.notFound,
    probablyResumed: result.probablyResumed,
    unreportedPossible: result.unreportedPossible,
    error: result.error,
  });
  const toolResult = resumeToolResult(report, {
    tool,
    inlineRuns: context.policy.inlineRuns,
    runLists: context.runLists,
  });
  if (report.stopReason === "cancelled") {
    // A cancelled request's response is dropped by the client, so the record goes out as a log message.
    const summary = (toolResult.content[0] as { text: string }).text;
    await notifyClient(
      server,
      context,
      "warning",
      { message: `${tool}: ${summary}`, result: toolResult.structuredContent },
      extra.sessionId,
    );
  }
  return toolResult;
}

/** How many runs one call with this plan can resume at most. */
function callReach(plan: ResumePlan): number {
  const perPage =
    plan.selection.mode === "ids"
      ? MAX_RUNS_PER_RESUME_REQUEST
      : Math.min(plan.count ?? MAX_RUNS_PER_RESUME_REQUEST, MAX_RUNS_PER_RESUME_REQUEST);
  return Math.min(plan.maxPages * perPage, plan.maxRuns ?? Number.POSITIVE_INFINITY);
}

async function dryRun(
  plan: ResumePlan,
  context: ToolContext,
  extra: CallExtra,
  journal: ReturnType<ToolContext["journal"]["startCall"]>,
): Promise<CallToolResult> {
  const run = runContext(context, extra, journal);
  const base: ResumeResult = {
    mode: plan.selection.mode,
    workflowRuns: [],
    resumed: 0,
    pages: 0,
    complete: true,
    stopReason: "done",
  };
  if (plan.selection.mode === "ids") {
    // The ids this call would get to, as a real call bounded by maxPages (and the run cap) would.
    const handled = new Set<number>();
    for (const [from, to] of plan.idProgress?.done ?? [])
      for (let index = from; index < to; index++) handled.add(index);
    const pending = plan.selection.dlqIds.filter(
      (_, index) => index >= (plan.idProgress?.offset ?? 0) && !handled.has(index),
    );
    const ids = pending.slice(0, callReach(plan));
    const unchecked = pending.length - ids.length;
    let found: Awaited<ReturnType<typeof previewIds>>;
    try {
      found = await previewIds(ids, run);
    } catch (error) {
      return toolError(`Dry run failed: ${(error as Error).message} Nothing was resumed.`);
    }
    const result: ResumeResult = {
      ...base,
      preview: {
        matched: found.found.length,
        matchedIsLowerBound: unchecked > 0,
        ...(unchecked > 0 ? { unchecked } : {}),
        found: found.found.map((message) => message.dlqId),
        notFound: found.notFound,
        sample: found.found.slice(0, SUMMARY_SAMPLE).map((message) => compactMessage(message)),
        summary: summarize(found.found),
      },
    };
    const missing = found.notFound.length ? ` ${plural(found.notFound.length, "id")} not in the DLQ.` : "";
    const beyond =
      unchecked > 0
        ? ` ${plural(unchecked, "more id")} lie beyond this call's bound and were not checked; raise maxPages to include them.`
        : "";
    return structuredResult(
      `Dry run, nothing resumed: ${found.found.length} of ${plural(ids.length, "id")} are in the DLQ and would be resumed.${missing}${beyond}`,
      result,
    );
  }
  if (plan.cursor !== undefined) {
    return toolError(
      "dryRun previews a selection from its start, and a cursor only continues a resume: call the dry run without cursor.",
    );
  }
  const filter = plan.selection.mode === "filter" ? plan.selection.filter : undefined;
  // List one entry past what this call could resume, to tell whether more would be left.
  const reach = callReach(plan);
  const listed = await previewSelection(filter, Math.ceil((Math.min(reach, 1e6) + 1) / 100), run);
  if (listed.stopReason === "error" && listed.messages.length === 0) {
    return toolError(
      `Dry run failed: ${listed.error?.message ?? "listing the DLQ failed."} Nothing was resumed.`,
    );
  }
  const selected = listed.messages.slice(0, reach);
  const lowerBound = listed.messages.length > reach || listed.stopReason !== "done";
  const result: ResumeResult = {
    ...base,
    pages: listed.pages,
    preview: {
      matched: selected.length,
      matchedIsLowerBound: lowerBound,
      sample: selected.slice(0, SUMMARY_SAMPLE).map((message) => compactMessage(message)),
      summary: summarize(selected),
    },
    ...(listed.error ? { error: errorInfo(listed.error) } : {}),
  };
  const count = plural(selected.length, "entry", "entries");
  const widen = lowerBound
    ? " More match than this call would reach: the real call returns a cursor, or raise maxPages."
    : "";
  return structuredResult(
    `Dry run, nothing resumed: ${count} would be resumed by this call.${widen}`,
    result,
  );
}
