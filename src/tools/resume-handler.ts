/**
 * The call path shared by dlq_resume and dlq_resume_all: arguments → plan → runner → result.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { runResume } from "../dlq/resume.js";
import { QStashError } from "../qstash/errors.js";
import { notifyClient, type ToolContext } from "./context.js";
import { ArgumentError, planResume } from "./plan.js";
import { resumeToolResult, summarizeResume, toolError, toResumeResult } from "./results.js";
import type { DlqResumeAllArgs, DlqResumeArgs } from "./schemas.js";

interface CallExtra {
  signal: AbortSignal;
  sessionId?: string;
}

export async function handleResume(
  server: McpServer,
  context: ToolContext,
  tool: string,
  args: DlqResumeArgs | DlqResumeAllArgs,
  extra: CallExtra,
): Promise<CallToolResult> {
  let plan: ReturnType<typeof planResume>;
  try {
    context.api.client.assertConfigured();
    plan = planResume(args);
  } catch (error) {
    if (error instanceof ArgumentError || error instanceof QStashError) return toolError(error.message);
    throw error;
  }
  const report = await runResume(context.api, plan, { signal: extra.signal });
  const result = toResumeResult(report);
  if (report.stopReason === "cancelled") {
    // A cancelled request's response is dropped by the client, so the record goes out as a log message.
    await notifyClient(
      server,
      context,
      "warning",
      { message: `${tool}: ${summarizeResume(result)}`, result },
      extra.sessionId,
    );
  }
  return resumeToolResult(report);
}
