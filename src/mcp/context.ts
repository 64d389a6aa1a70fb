/**
 * What every tool needs from the server that hosts it, and the per-call plumbing they share:
 * progress notifications and log messages to the client.
 */
import type { AuthInfo } from "@modelcontextprotocol/server";
import type { AccessScopes } from "../auth/scopes.js";
import type { CallTracker } from "../calls.js";
import type { Journal } from "../journal.js";
import type { Logger } from "../log.js";
import type { CallPolicy } from "../policy.js";
import type { QStashApi } from "../qstash/api.js";
import type { Redactor } from "../redact.js";
import type { OperationLedger } from "./confirm/operations.js";
import type { ConfirmationSigner } from "./confirm/token.js";
import type { UnaskedTally } from "./confirm/unasked.js";
import type { RunListStore } from "./run-lists.js";

export interface ToolContext {
  api: QStashApi;
  log: Logger;
  policy: CallPolicy;
  journal: Journal;
  /** Calls in flight, for a shutdown that waits for them. */
  calls: CallTracker;
  /** Spent confirm tokens and what each operation may still change, in this process. */
  operations: OperationLedger;
  /** Scrubs the QStash token from everything a tool returns. */
  redactor: Redactor;
  /** Full reports of calls too large to show inline, for this session; absent in stateless mode. */
  runLists?: RunListStore;
  /** Signs and checks confirm tokens; absent without a QStash token (no call gets that far). */
  confirmations?: ConfirmationSigner;
  /** Seals the cursors results hand out, so only those are taken back. */
  cursorKey?: Buffer;
  /** The changes this session made without asking; absent in stateless mode (no session). */
  unasked?: UnaskedTally;
  /** With sign-in: the scope names reading and changing need; absent otherwise. */
  scopes?: AccessScopes;
}

/** The parts of the SDK's request context that the tools use; the same on every protocol era. */
export interface CallExtra {
  /** Over HTTP with sign-in: the verified token, its scopes and the caller beside it. */
  http?: { authInfo?: AuthInfo };
  mcpReq: {
    signal: AbortSignal;
    _meta?: { progressToken?: string | number };
    notify: (notification: {
      method: "notifications/progress";
      params: { progressToken: string | number; progress: number; total?: number; message?: string };
    }) => Promise<void>;
    /** Request-related: it rides the call's own stream, and the client's level filter applies. */
    log: (level: "info" | "warning" | "error", data: unknown, logger?: string) => Promise<void>;
    /** 2026-07-28: the request's envelope (the client's capabilities among it). */
    envelope?: Record<string, unknown>;
    /** 2026-07-28: a retried call's answers to the questions its first round asked. */
    inputResponses?: Record<string, unknown>;
    requestState?: () => unknown;
    /** 2025 sessions: a question sent to the client as a request. */
    elicitInput?: (
      params: {
        mode: "form";
        message: string;
        requestedSchema: { type: "object"; properties: Record<string, unknown>; required?: string[] };
      },
      options?: { signal?: AbortSignal },
    ) => Promise<unknown>;
  };
}

/**
 * A progress notifier for the call, or undefined when the client asked for none. Not awaited: a
 * slow client reading its notifications must not slow the work down.
 */
export function progressNotifier(
  extra: CallExtra,
): ((progress: number, total: number | undefined, message: string) => void) | undefined {
  const progressToken = extra.mcpReq._meta?.progressToken;
  if (progressToken === undefined) return undefined;
  // Progress must increase with every notification; a step that moved nothing sends none.
  let last = Number.NEGATIVE_INFINITY;
  return (progress, total, message) => {
    if (progress <= last) return;
    last = progress;
    void extra.mcpReq
      .notify({
        method: "notifications/progress",
        params: { progressToken, progress, ...(total === undefined ? {} : { total }), message },
      })
      .catch(() => {});
  };
}

/** Sends a log line to the calling client as an MCP logging notification, and to stderr. */
export async function notifyClient(
  extra: CallExtra,
  context: ToolContext,
  level: "info" | "warning" | "error",
  data: Record<string, unknown> & { message: string },
): Promise<void> {
  context.log.log(level, data.message);
  try {
    await extra.mcpReq.log(level, context.redactor.deep(data), "workflow-dlq-mcp");
  } catch {
    // The client may have gone; stderr already has the record.
  }
}
