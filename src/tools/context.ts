/**
 * What every tool needs from the server that hosts it, and the per-call plumbing they share:
 * the run context with its deadline, the journal, progress notifications.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallTracker } from "../calls.js";
import type { DlqApi } from "../dlq/api.js";
import type { RunContext } from "../dlq/resume.js";
import type { CallJournal, Journal } from "../journal.js";
import type { Logger } from "../log.js";
import type { CallPolicy } from "../policy.js";
import type { Redactor } from "../redact.js";
import type { RunListStore } from "./run-lists.js";

export interface ToolContext {
  api: DlqApi;
  log: Logger;
  policy: CallPolicy;
  journal: Journal;
  /** Calls in flight, for a shutdown that waits for them. */
  calls: CallTracker;
  /** Scrubs the QStash token from everything a tool returns. */
  redactor: Redactor;
  /** Full lists of resumed runs for this session; absent in stateless mode. */
  runLists?: RunListStore;
}

/** The parts of the SDK's request handler extra that the tools use. */
export interface CallExtra {
  signal: AbortSignal;
  sessionId?: string;
  _meta?: { progressToken?: string | number };
  sendNotification: (notification: {
    method: "notifications/progress";
    params: { progressToken: string | number; progress: number; total?: number; message?: string };
  }) => Promise<void>;
}

export function runContext(
  context: ToolContext,
  extra: CallExtra,
  journal: CallJournal,
  describeProgress?: (progress: {
    pages: number;
    resumed: number;
    handled: number;
    total?: number;
  }) => string,
): RunContext {
  const progressToken = extra._meta?.progressToken;
  return {
    api: context.api,
    retry: context.policy.retry,
    signal: extra.signal,
    deadlineAt: Date.now() + context.policy.deadlineMs,
    onRequest: (record) => journal.request(record),
    onRetry: ({ attempt, delayMs, error }) =>
      context.log.log("warning", `${error.message} Retrying (attempt ${attempt + 1}) in ${delayMs} ms.`),
    ...(progressToken === undefined || !describeProgress
      ? {}
      : {
          // Not awaited: a slow client reading its notifications must not slow the resume down.
          onPage: (progress) => {
            void extra
              .sendNotification({
                method: "notifications/progress",
                params: {
                  progressToken,
                  // Against a known total the count is of ids dealt with, so it reaches the total.
                  progress: progress.total === undefined ? progress.resumed : progress.handled,
                  ...(progress.total === undefined ? {} : { total: progress.total }),
                  message: describeProgress(progress),
                },
              })
              .catch(() => {});
          },
        }),
  };
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
