/**
 * dlq_resume: resume DLQ entries by id or by filter, each from the step that failed.
 */

import { dlqResumeInput } from "../../args/schemas.js";
import { defineTool } from "../../mcp/tool.js";
import { resumeOutput } from "../shared/output.js";
import { planResume } from "../shared/plan.js";
import { runResumeTool } from "./run.js";

export const DLQ_RESUME_DESCRIPTION = `Resume failed runs from the step that failed; each leaves the DLQ and runs again. Select with dlqIds or filter (where narrows it by status, body text or step URL); for everything use dlq_resume_all.

Changes production: preview with dryRun, and pass flowControl (e.g. {"key": "billing-redrive-1", "rate": 10, "period": "1s"}) for a fragile downstream. Lists the new runs.`;

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
  plan: (args, context) => planResume(args, "dlq_resume", context),
  run: (planned, call) => runResumeTool("dlq_resume", planned, call),
});
