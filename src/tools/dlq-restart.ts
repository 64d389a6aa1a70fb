/**
 * dlq_restart: start DLQ entries' runs again from their first step, by id, filter or all.
 */
import { REDRIVES } from "../dlq/actions.js";
import { planResume } from "./plan.js";
import { redriveOutput } from "./result-schemas.js";
import { runResumeTool } from "./resume-handler.js";
import { dlqRestartInput } from "./schemas.js";
import { defineTool } from "./tool.js";

export const DLQ_RESTART_DESCRIPTION = `Restart failed runs from their first step, with the original payload. Use it instead of dlq_resume when the code changed before the failed step (resume fails with "incompatible step") or the earlier steps must run again.

Select with exactly one of dlqIds, filter, all: true. Changes production: preview with dryRun, pass flowControl. Snapshot, cursor and partial results as in dlq_resume; the result lists the restarted runs.`;

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
