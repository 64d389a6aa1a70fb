import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { runList } from "../dlq/list.js";
import { QStashError } from "../qstash/errors.js";
import { compactMessage } from "./compact.js";
import { type CallExtra, runContext, type ToolContext } from "./context.js";
import { ArgumentError, planList } from "./plan.js";
import { errorInfo, listToolResult, toolError } from "./results.js";
import { type DlqListArgs, dlqListInput, type ListResult, listOutput, SUMMARY_SAMPLE } from "./schemas.js";
import { summarize } from "./summary.js";

export const DLQ_LIST_DESCRIPTION = `List failed Upstash Workflow runs waiting in the Dead Letter Queue. Read-only: nothing is changed.

Use it to see what failed and why before resuming: each message has its dlqId (for dlq_resume), workflowRunId, workflowUrl, label, when it failed (createdAt, Unix ms), the failed step's HTTP responseStatus and a short preview of the responseBody, and the failure-callback state. Narrow with filter (fields are ANDed, e.g. {"label": "payments", "fromDate": "2026-11-28T14:00:00Z"}).

Returns up to count messages per request (default 50) and maxPages pages (default 1), one request each. If the result has a cursor, more remain: call again with the same filter and that cursor. Request/response headers and full bodies can contain secrets; set includeHeaders or includeBodies only when the user needs them.`;

export const dlqListTool = {
  name: "dlq_list",
  title: "List DLQ runs",
  description: DLQ_LIST_DESCRIPTION,
  inputSchema: dlqListInput,
  outputSchema: listOutput,
  annotations: { title: "List DLQ runs", readOnlyHint: true, openWorldHint: true },
} as const;

export function registerDlqList(server: McpServer, context: ToolContext): void {
  server.registerTool(dlqListTool.name, dlqListTool, async (args: DlqListArgs, extra) => {
    let plan: ReturnType<typeof planList>;
    try {
      context.api.client.assertConfigured();
      plan = planList(args);
    } catch (error) {
      if (error instanceof QStashError || error instanceof ArgumentError) return toolError(error.message);
      throw error;
    }
    const journal = context.journal.startCall(dlqListTool.name, plan.filter ? "filter" : "all", args);
    const report = await runList(plan, runContext(context, extra as CallExtra, journal));
    const options = { includeHeaders: args.includeHeaders, includeBodies: args.includeBodies };
    const shown = args.summary ? report.messages.slice(0, SUMMARY_SAMPLE) : report.messages;
    const result: ListResult = {
      messages: shown.map((message) => compactMessage(message, options)),
      returned: report.messages.length,
      pages: report.pages,
      complete: report.stopReason === "done",
      stopReason: report.stopReason,
    };
    if (report.cursor !== undefined) result.cursor = report.cursor;
    if (report.error) result.error = errorInfo(report.error);
    if (args.summary) result.summary = summarize(report.messages);
    journal.outcome({
      stopReason: result.stopReason,
      returned: result.returned,
      pages: result.pages,
      cursor: result.cursor,
    });
    return listToolResult(report, result);
  });
}
