/**
 * dlq_delete: remove DLQ entries without running them, by id, filter or all. A filter or all is
 * listed first and removed by id, so that the result names every entry it deleted.
 */

import { dlqDeleteInput } from "../../args/schemas.js";
import { ACTIONS } from "../../engine/actions/table.js";
import { defineTool } from "../../mcp/tool.js";
import { actionOutput } from "../shared/output.js";
import { planResume } from "../shared/plan.js";
import { runResumeTool } from "./run.js";

export const DLQ_DELETE_DESCRIPTION = `Delete DLQ entries without running them: runs that must not run again (an order already fulfilled, a 422 that fails every time). Cannot be undone.

Select with one of dlqIds, filter, all: true; where narrows. Preview with dryRun. Lists the deleted dlqIds.`;

export const dlqDeleteTool = defineTool({
  name: "dlq_delete",
  title: "Delete DLQ entries",
  description: DLQ_DELETE_DESCRIPTION,
  inputSchema: dlqDeleteInput,
  outputSchema: actionOutput(ACTIONS.delete),
  annotations: {
    title: "Delete DLQ entries",
    readOnlyHint: false,
    destructiveHint: true,
    // Deleting what is already gone changes nothing more.
    idempotentHint: true,
    openWorldHint: true,
  },
  plan: (args, context) => planResume(args, "dlq_delete", context, "delete"),
  run: (planned, call) => runResumeTool("dlq_delete", planned, call),
});
