/**
 * dlq_resume: resume DLQ entries by id or by filter, each from the step that failed.
 */

import { planResume } from "./plan.js";
import { resumeOutput } from "./result-schemas.js";
import { runResumeTool } from "./resume-handler.js";
import { dlqResumeInput } from "./schemas.js";
import { defineTool } from "./tool.js";

export const DLQ_RESUME_DESCRIPTION = `Resume failed Upstash Workflow runs from the step that failed. Select with dlqIds or filter; for everything use dlq_resume_all.

Changes production: each run leaves the DLQ and runs again. Confirm the selection with the user, preview with dryRun, and pass flowControl (e.g. {"key": "payments-resume", "rate": 10, "period": "1s"}) when the downstream is fragile. A filter acts on the entries in the DLQ when the operation began (snapshot). Returns the new runs; a cursor continues the same selection, nothing twice. stopReason error or cancelled: partial, and unreportedPossible flags a lost answer.`;

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
