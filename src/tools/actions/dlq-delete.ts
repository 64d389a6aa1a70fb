/**
 * dlq_delete: remove DLQ entries without running them, by id, filter or all. A filter or all is
 * listed first and removed by id, so that the result names every entry it deleted.
 */

import { defineTool } from "../../mcp/tool.js";
import { planAction } from "../shared/plan.js";
import { dlqDeleteInput } from "./input.js";
import { actionOutput } from "./output.js";
import { runActionTool } from "./run.js";
import { WORDS } from "./words.js";

/** The tool's name, written once: definitions, cursors and journal lines use this. */
const NAME = "dlq_delete";

export const DLQ_DELETE_DESCRIPTION = `Delete DLQ entries without running them: runs that must not run again (an order already fulfilled). Cannot be undone.

Select with one of dlqIds, filter, all: true; where narrows. Lists the deleted dlqIds.`;

export const dlqDeleteTool = defineTool({
  name: NAME,
  title: "Delete DLQ entries",
  description: DLQ_DELETE_DESCRIPTION,
  inputSchema: dlqDeleteInput,
  outputSchema: actionOutput(WORDS.delete),
  annotations: {
    title: "Delete DLQ entries",
    readOnlyHint: false,
    destructiveHint: true,
    // Deleting what is already gone changes nothing more.
    idempotentHint: true,
    openWorldHint: true,
  },
  plan: (args, context) => planAction(args, NAME, context, "delete"),
  run: (planned, call) => runActionTool(NAME, planned, call),
});
