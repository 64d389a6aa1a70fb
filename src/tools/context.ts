/**
 * What every tool needs from the server that hosts it.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { DlqApi } from "../dlq/api.js";
import type { Logger } from "../log.js";

export interface ToolContext {
  api: DlqApi;
  log: Logger;
}

/** Sends a log line to the connected client as an MCP logging notification, and to stderr. */
export async function notifyClient(
  server: McpServer,
  context: ToolContext,
  level: "info" | "warning" | "error",
  data: Record<string, unknown> & { message: string },
  sessionId?: string,
): Promise<void> {
  context.log.log(level, data.message);
  try {
    await server.server.sendLoggingMessage({ level, logger: "workflow-dlq-mcp", data }, sessionId);
  } catch {
    // The client may have gone; stderr already has the record.
  }
}
