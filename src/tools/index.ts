/**
 * The one list of tools. The server registers from it, read-only mode keeps the tools whose
 * annotations say they change nothing (and `--help` names those), tools/list is served from it,
 * and the README's reference is rendered from it.
 */
import { dlqDeleteTool } from "./dlq-delete.js";
import { dlqInspectTool } from "./dlq-inspect.js";
import { dlqListTool } from "./dlq-list.js";
import { dlqRestartTool } from "./dlq-restart.js";
import { dlqResumeTool } from "./dlq-resume.js";
import { dlqResumeAllTool } from "./dlq-resume-all.js";
import { dlqRetryFailureCallbackTool } from "./dlq-retry-failure-callback.js";
import { flowControlStatusTool, flowControlUpdateTool } from "./flow-control.js";
import type { ToolDefinition } from "./tool.js";
import { workflowRunsTool } from "./workflow-runs.js";

export const TOOLS: readonly ToolDefinition[] = [
  dlqListTool,
  dlqInspectTool,
  dlqResumeTool,
  dlqResumeAllTool,
  dlqRestartTool,
  dlqDeleteTool,
  dlqRetryFailureCallbackTool,
  flowControlStatusTool,
  flowControlUpdateTool,
  workflowRunsTool,
];

/** The tools whose annotations say they change nothing: what read-only mode keeps and `--help` names. */
export const READ_ONLY_TOOLS: readonly ToolDefinition[] = TOOLS.filter(
  (tool) => tool.annotations.readOnlyHint === true,
);

/** The tools a server offers: in read-only mode, only those annotated as read-only. */
export function toolsFor(options: { readOnly?: boolean }): readonly ToolDefinition[] {
  return options.readOnly ? READ_ONLY_TOOLS : TOOLS;
}
