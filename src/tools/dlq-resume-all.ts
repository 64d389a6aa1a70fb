import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallExtra, ToolContext } from "./context.js";
import { handleResume } from "./resume-handler.js";
import { dlqResumeAllInput, resumeOutput } from "./schemas.js";

export const DLQ_RESUME_ALL_DESCRIPTION = `Resume every failed Upstash Workflow run in the Dead Letter Queue, each from the step that failed.

Use this only when the whole DLQ should run again (for example after an outage of a dependency all workflows share). To resume a subset, use dlq_resume with a filter or dlqIds; to see what is there, use dlq_list.

This changes production state: every resumed run leaves the DLQ and executes again. Pass flowControl (e.g. {"key": "dlq-recovery", "parallelism": 5}) so the recovering downstream is not flooded, and retries if the default of 3 is wrong.

Each call works through at most maxPages pages (default 10; a page is one resume request of up to 50 runs, plus any retries) and returns the resumed runs. If the result has a cursor, entries remain: call again with that cursor (and the same flowControl/retries) until the result has none. Nothing is resumed twice. stopReason "error" or "cancelled" means a partial result: what it lists was resumed.`;

export const dlqResumeAllTool = {
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
} as const;

export function registerDlqResumeAll(server: McpServer, context: ToolContext): void {
  server.registerTool(dlqResumeAllTool.name, dlqResumeAllTool, (args, extra) =>
    handleResume(server, context, dlqResumeAllTool.name, args, extra as CallExtra),
  );
}
