/**
 * dlq_resume_all: resume every entry in the DLQ, each from the step that failed.
 */

import { dlqResumeAllInput } from "../../args/schemas.js";
import { defineTool } from "../../mcp/tool.js";
import { resumeOutput } from "../shared/output.js";
import { planResume } from "../shared/plan.js";
import { runResumeTool } from "./run.js";

export const DLQ_RESUME_ALL_DESCRIPTION = `Resume every run in the DLQ from its failed step: when the whole DLQ should run again (after a shared dependency's outage); for a subset use dlq_resume. Changes production: preview with dryRun, pass flowControl; where narrows it.`;

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
  plan: (args, context) => planResume(args, "dlq_resume_all", context),
  run: (planned, call) => runResumeTool("dlq_resume_all", planned, call),
});
