/**
 * dlq_resume: resume DLQ entries by id or by filter, each from the step that failed.
 */

import { planResume } from "./plan.js";
import { resumeOutput } from "./result-schemas.js";
import { runResumeTool } from "./resume-handler.js";
import { dlqResumeInput } from "./schemas.js";
import { defineTool } from "./tool.js";

export const DLQ_RESUME_DESCRIPTION = `Resume failed Upstash Workflow runs from the Dead Letter Queue, continuing each run from the step that failed (earlier steps are not re-run).

Select entries with exactly one of:
- dlqIds: specific DLQ ids, as returned by dlq_list (sent 50 per request);
- filter: entries matching all given fields, e.g. {"label": "payments", "fromDate": "2026-11-28T14:00:00Z"}.
To resume everything in the DLQ use dlq_resume_all instead.

This changes production state: each resumed run leaves the DLQ and executes again against its endpoint. When the downstream is recovering, pass flowControl (e.g. {"key": "payments-resume", "rate": 10, "period": "1s"}) and retries. Check what a filter matches with dlq_list first.

Each call works through at most maxPages pages (default 10; a page is one resume request of up to 50 runs or ids, plus any retries and, when ids are missing, one lookup per id), within its time and result-size bounds. A filter acts on the entries in the DLQ when the operation began (see snapshot): runs that fail again re-enter the DLQ later and are left for a new call. The result lists the resumed runs (workflowRunId, workflowCreatedAt). If it returns a cursor, more entries may remain: call again with the same dlqIds or filter and that cursor; nothing is resumed twice. stopReason "error" or "cancelled" means a partial result: what it lists was resumed, and unreportedPossible says whether a lost answer may have resumed more.`;

export const dlqResumeTool = defineTool({
  name: "dlq_resume",
  title: "Resume DLQ runs by id or filter",
  description: DLQ_RESUME_DESCRIPTION,
  inputSchema: dlqResumeInput,
  outputSchema: resumeOutput,
  annotations: {
    title: "Resume DLQ runs by id or filter",
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
  plan: (args, context) => planResume(args, "dlq_resume", context.policy, !context.runLists),
  run: (planned, call) => runResumeTool("dlq_resume", planned, call),
});
