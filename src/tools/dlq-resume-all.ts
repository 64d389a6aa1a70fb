/**
 * dlq_resume_all: resume every entry in the DLQ, each from the step that failed.
 */
import { planResume } from "./plan.js";
import { resumeOutput } from "./result-schemas.js";
import { runResumeTool } from "./resume-handler.js";
import { dlqResumeAllInput } from "./schemas.js";
import { defineTool } from "./tool.js";

export const DLQ_RESUME_ALL_DESCRIPTION = `Resume every failed Upstash Workflow run in the Dead Letter Queue, each from the step that failed.

Use this only when the whole DLQ should run again (for example after an outage of a dependency all workflows share). To resume a subset, use dlq_resume with a filter or dlqIds; to see what is there, use dlq_list.

This changes production state: every resumed run leaves the DLQ and executes again. Pass flowControl (e.g. {"key": "dlq-recovery", "parallelism": 5}) so the recovering downstream is not flooded, and retries if the default of 3 is wrong.

Each call works through at most maxPages pages (default 10; a page is one resume request of up to 50 runs, plus any retries), within its time and result-size bounds, and returns the resumed runs. The operation acts on the entries in the DLQ when it began (see snapshot): runs that fail again re-enter the DLQ later and are left for a new call. If the result has a cursor, entries remain: call again with that cursor (and the same flowControl/retries) until the result has none. Nothing is resumed twice. stopReason "error" or "cancelled" means a partial result: what it lists was resumed, and unreportedPossible says whether a lost answer may have resumed more.`;

export const dlqResumeAllTool = defineTool({
  name: "dlq_resume_all",
  title: "Resume all DLQ runs",
  description: DLQ_RESUME_ALL_DESCRIPTION,
  inputSchema: dlqResumeAllInput,
  outputSchema: resumeOutput,
  annotations: {
    title: "Resume all DLQ runs",
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
  plan: (args, context) => planResume(args, "dlq_resume_all", context.policy, !context.runLists),
  run: (planned, call) => runResumeTool("dlq_resume_all", planned, call),
});
