/**
 * dlq_resume_all: resume every entry in the DLQ, each from the step that failed.
 */

import { defineTool } from "../../mcp/tool.js";
import { planAction } from "../shared/plan.js";
import { dlqResumeAllInput } from "./input.js";
import { actionOutput } from "./output.js";
import { runActionTool } from "./run.js";
import { WORDS } from "./words.js";

/** The tool's name, written once: definitions, cursors and journal lines use this. */
const NAME = "dlq_resume_all";

export const DLQ_RESUME_ALL_DESCRIPTION = `Resume every run in the DLQ from its failed step, as after a shared outage; where narrows. Preview: dryRun; pace: flowControl. A subset: dlq_resume. Changed code: dlq_restart.`;

export const dlqResumeAllTool = defineTool({
  name: NAME,
  title: "Resume all DLQ runs",
  description: DLQ_RESUME_ALL_DESCRIPTION,
  inputSchema: dlqResumeAllInput,
  outputSchema: actionOutput(WORDS.resume),
  annotations: {
    title: "Resume all DLQ runs",
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
  plan: (args, context) => planAction(args, NAME, context),
  run: (planned, call) => runActionTool(NAME, planned, call),
});
