/**
 * dlq_resume_all: resume every entry in the DLQ, each from the step that failed.
 */
import { planResume } from "./plan.js";
import { resumeOutput } from "./result-schemas.js";
import { runResumeTool } from "./resume-handler.js";
import { dlqResumeAllInput } from "./schemas.js";
import { defineTool } from "./tool.js";

export const DLQ_RESUME_ALL_DESCRIPTION = `Resume every failed run in the DLQ from its failed step: only when the whole DLQ should run again (e.g. after a shared dependency's outage); for a subset use dlq_resume.

Changes production: pass flowControl (e.g. {"key": "dlq-recovery", "parallelism": 5}). Acts on what was in the DLQ when the operation began; call again with the result's cursor until it returns none. Results as in dlq_resume.`;

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
