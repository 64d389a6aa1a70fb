/**
 * dlq_restart: start DLQ entries' runs again from their first step, by id, filter or all.
 */

import { defineTool } from "../../mcp/tool.js";
import { planAction } from "../shared/plan.js";
import { dlqRestartInput } from "./input.js";
import { actionOutput } from "./output.js";
import { runActionTool } from "./run.js";
import { WORDS } from "./words.js";

/** The tool's name, written once: definitions, cursors and journal lines use this. */
const NAME = "dlq_restart";

export const DLQ_RESTART_DESCRIPTION = `Restart failed runs from their first step: when the code changed before the failed step (resume fails with "incompatible step") or earlier steps must run again.

Select with one of dlqIds, filter, all: true; where narrows. Preview: dryRun; pace: flowControl.`;

export const dlqRestartTool = defineTool({
  name: NAME,
  title: "Restart DLQ runs from the first step",
  description: DLQ_RESTART_DESCRIPTION,
  inputSchema: dlqRestartInput,
  outputSchema: actionOutput(WORDS.restart),
  annotations: {
    title: "Restart DLQ runs from the first step",
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
  plan: (args, context) => planAction(args, NAME, context, "restart"),
  run: (planned, call) => runActionTool(NAME, planned, call),
});
