/**
 * dlq_resume: resume DLQ entries by id or by filter, each from the step that failed.
 */

import { defineTool } from "../../mcp/tool.js";
import { planAction } from "../shared/plan.js";
import { dlqResumeInput } from "./input.js";
import { actionOutput } from "./output.js";
import { runActionTool } from "./run.js";
import { WORDS } from "./words.js";

/** The tool's name, written once: definitions, cursors and journal lines use this. */
const NAME = "dlq_resume";

export const DLQ_RESUME_DESCRIPTION = `Resume failed runs from the step that failed; they leave the DLQ. Select with dlqIds or filter (where narrows it); everything: dlq_resume_all; changed code: dlq_restart.

Changes production: preview with dryRun, and pass flowControl (e.g. {"key": "billing-redrive-1", "rate": 10, "period": "1s"}) for a fragile downstream. Lists the new runs.`;

export const dlqResumeTool = defineTool({
  name: NAME,
  title: "Resume DLQ runs by id or filter",
  description: DLQ_RESUME_DESCRIPTION,
  inputSchema: dlqResumeInput,
  outputSchema: actionOutput(WORDS.resume),
  annotations: {
    title: "Resume DLQ runs by id or filter",
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
  plan: (args, context) => planAction(args, NAME, context),
  run: (planned, call) => runActionTool(NAME, planned, call),
});
