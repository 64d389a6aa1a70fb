/**
 * The one list of tools. The server registers from it, read-only mode keeps the tools whose
 * annotations say they change nothing (and `--help` names those), tools/list is served from it,
 * and the README's reference is rendered from it.
 */

import type { ToolDefinition } from "../mcp/tool.js";
import { dlqDeleteTool } from "./actions/dlq-delete.js";
import { dlqRestartTool } from "./actions/dlq-restart.js";
import { dlqResumeTool } from "./actions/dlq-resume.js";
import { dlqResumeAllTool } from "./actions/dlq-resume-all.js";
import { dlqInspectTool } from "./dlq-inspect/tool.js";
import { dlqListTool } from "./dlq-list/tool.js";
import { dlqRetryFailureCallbackTool } from "./dlq-retry-failure-callback/tool.js";
import { flowControlStatusTool, flowControlUpdateTool } from "./flow-control/tool.js";
import { workflowRunsTool } from "./workflow-runs/tool.js";

export const TOOLS = [
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
] as const satisfies readonly ToolDefinition[];

/** Every tool's name, as a type: a table keyed by it needs an entry for each tool. */
export type ToolName = (typeof TOOLS)[number]["name"];

/** The tools whose annotations say they change nothing: what read-only mode keeps and `--help` names. */
export const READ_ONLY_TOOLS: readonly ToolDefinition[] = TOOLS.filter(
  (tool) => tool.annotations.readOnlyHint === true,
);

/** The tools a server offers: in read-only mode, only those annotated as read-only. */
export function toolsFor(options: { readOnly?: boolean }): readonly ToolDefinition[] {
  return options.readOnly ? READ_ONLY_TOOLS : TOOLS;
}
