/**
 * dlq_restart: start DLQ entries' runs again from their first step, by id, filter or all.
 */
import { REDRIVES } from "../dlq/actions.js";
import { planResume } from "./plan.js";
import { redriveOutput } from "./result-schemas.js";
import { runResumeTool } from "./resume-handler.js";
import { dlqRestartInput } from "./schemas.js";
import { defineTool } from "./tool.js";

export const DLQ_RESTART_DESCRIPTION = `Restart failed Upstash Workflow runs from the Dead Letter Queue: each run starts again from its first step, with its original payload, as a new run.

Use it instead of dlq_resume when the workflow's code changed before the step that failed (resume then fails with an "incompatible step" error), or when the earlier steps must run again. Use dlq_resume when the failed step only needs a retry.

Select entries with exactly one of:
- dlqIds: specific DLQ ids, as returned by dlq_list (sent 50 per request);
- filter: entries matching all given fields, e.g. {"label": "payments"};
- all: true, every entry in the DLQ.

This changes production state: each restarted run leaves the DLQ and executes all its steps again. Pass flowControl (e.g. {"key": "payments-restart", "rate": 10, "period": "1s"}) and retries when the downstream is fragile, and preview with dryRun first.

Paging, bounds, snapshot and cursor work as in dlq_resume: each call goes through at most maxPages pages (default 10) within its time and result-size bounds; a cursor in the result continues the same selection, nothing is restarted twice. The result lists the new runs (workflowRunId, workflowCreatedAt); stopReason "error" or "cancelled" means a partial result, and unreportedPossible says whether a lost answer may have restarted more.`;

export const dlqRestartTool = defineTool({
  name: "dlq_restart",
  title: "Restart DLQ runs from the first step",
  description: DLQ_RESTART_DESCRIPTION,
  inputSchema: dlqRestartInput,
  outputSchema: redriveOutput(REDRIVES.restart),
  annotations: {
    title: "Restart DLQ runs from the first step",
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
  plan: (args, context) => planResume(args, "dlq_restart", context.policy, !context.runLists, "restart"),
  run: (planned, call) => runResumeTool("dlq_restart", planned, call),
});
