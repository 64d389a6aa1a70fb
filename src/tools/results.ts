/**
 * Reports → MCP tool results: structured content for programs, a one-line summary for people,
 * and the same JSON as text for clients that do not read structured content. A tool error
 * (`isError`) only when nothing was done; anything partial is a result that says so first.
 */
import type { CallToolResult, ResourceLink } from "@modelcontextprotocol/sdk/types.js";
import type { ListReport } from "../dlq/list.js";
import { FROM_START_CURSOR, type ResumeReport } from "../dlq/resume.js";
import { type QStashError, type QStashErrorKind, TRANSIENT_KINDS } from "../qstash/errors.js";
import type { RunListStore } from "./run-lists.js";
import type { ListResult, ResumeResult } from "./schemas.js";

export function toolError(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

export function structuredResult<T extends object>(summary: string, data: T): CallToolResult {
  return {
    content: [
      { type: "text", text: summary },
      { type: "text", text: JSON.stringify(data) },
    ],
    structuredContent: data as Record<string, unknown>,
  };
}

export function errorInfo(error: QStashError): NonNullable<ResumeResult["error"]> {
  return {
    kind: error.kind,
    message: error.message,
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.retryAfterSeconds === undefined
      ? {}
      : { retryAfterSeconds: Math.ceil(error.retryAfterSeconds) }),
  };
}

export function toResumeResult(report: ResumeReport): ResumeResult {
  const result: ResumeResult = {
    mode: report.mode,
    workflowRuns: report.workflowRuns,
    resumed: report.workflowRuns.length,
    pages: report.pages,
    complete: report.stopReason === "done",
    stopReason: report.stopReason,
  };
  if (report.cursor !== undefined) result.cursor = report.cursor;
  if (report.notFound.length > 0) result.notFound = report.notFound;
  if (report.probablyResumed.length > 0) result.probablyResumed = report.probablyResumed;
  if (report.unreportedPossible) result.unreportedPossible = true;
  if (report.error) result.error = errorInfo(report.error);
  return result;
}

const BOUND_NAMES = {
  maxPages: "maxPages",
  maxRuns: "the server's run cap per call",
  deadline: "the call deadline",
};

export function summarizeResume(result: ResumeResult): string {
  const runs = plural(result.resumed, "run");
  const pages = plural(result.pages, "request");
  const extras = [
    result.notFound?.length
      ? `${plural(result.notFound.length, "id")} not in the DLQ: ${preview(result.notFound)}.`
      : "",
    result.probablyResumed?.length
      ? `${plural(result.probablyResumed.length, "id")} left the DLQ during a request whose answer was lost and were most likely resumed by it: ${preview(result.probablyResumed)}.`
      : "",
    result.unreportedPossible
      ? "A request's outcome is unknown, so some runs may have been resumed without being listed here; dlq_list shows what is still in the DLQ."
      : "",
  ]
    .filter(Boolean)
    .join(" ");
  const next = result.cursor
    ? `More may remain: call again with the same selection and cursor "${result.cursor}".`
    : "";
  const tail = [extras, next].filter(Boolean).join(" ");
  const join = (head: string) => (tail ? `${head} ${tail}` : head);
  switch (result.stopReason) {
    case "done":
      return join(`Resumed ${runs} in ${pages} (${result.mode}); nothing left to resume.`);
    case "maxPages":
    case "maxRuns":
    case "deadline":
      return join(
        `Resumed ${runs} in ${pages} (${result.mode}), stopping at ${BOUND_NAMES[result.stopReason]}.`,
      );
    case "cancelled":
      return join(`Partial: cancelled after resuming ${runs} in ${pages}.`);
    case "error":
      return join(
        `Partial: resumed ${runs} in ${pages}, then failed: ${result.error?.message ?? "unknown error"}`,
      );
  }
}

export interface RunDisplay {
  tool: string;
  /** Runs listed inline; more go to a resource. */
  inlineRuns: number;
  /** Where full lists are kept; absent when no session outlives the request. */
  runLists?: RunListStore;
}

/** Cuts workflowRuns to the inline limit, keeping the full list where the caller can read it. */
export function capRuns(
  result: ResumeResult,
  display: RunDisplay,
): { result: ResumeResult; link?: ResourceLink } {
  if (result.workflowRuns.length <= display.inlineRuns) return { result };
  const all = result.workflowRuns;
  const capped: ResumeResult = {
    ...result,
    workflowRuns: all.slice(0, display.inlineRuns),
    workflowRunsTruncated: true,
  };
  if (!display.runLists) {
    capped.workflowRunsNote =
      "This stateless server keeps no session to hold the full list; the audit journal has every resumed run id.";
    return { result: capped };
  }
  const uri = display.runLists.keep(display.tool, all);
  capped.workflowRunsResource = uri;
  return {
    result: capped,
    link: {
      type: "resource_link",
      uri,
      name: `all ${all.length} resumed runs`,
      mimeType: "application/json",
      description: `Every run ${display.tool} resumed in this call (workflowRunId, workflowCreatedAt).`,
    },
  };
}

export function resumeToolResult(report: ResumeReport, display: RunDisplay): CallToolResult {
  const result = toResumeResult(report);
  const nothingHappened =
    result.resumed === 0 &&
    !result.unreportedPossible &&
    !result.probablyResumed &&
    result.stopReason !== "cancelled";
  // Nothing done: a tool error, still carrying the structured result (error kind, retryAfterSeconds, cursor).
  if (nothingHappened && result.stopReason === "error" && !result.notFound) {
    return {
      ...toolError(
        `${result.error?.message ?? "The request failed."} Nothing was resumed.${continuation(result)}`,
      ),
      structuredContent: result,
    };
  }
  if (nothingHappened && result.stopReason === "done" && result.notFound) {
    return {
      ...toolError(
        `Nothing was resumed: ${result.notFound.length === 1 ? "this id is" : "these ids are"} not in the DLQ (already resumed or deleted, or never there): ${preview(result.notFound)}. dlq_list shows what the DLQ holds.`,
      ),
      structuredContent: result,
    };
  }
  const { result: shown, link } = capRuns(result, display);
  const summary = shown.workflowRunsTruncated
    ? `${summarizeResume(shown)} Listing the first ${shown.workflowRuns.length} of ${shown.resumed} runs${link ? `; all of them are at ${link.uri}` : ""}.`
    : summarizeResume(shown);
  const response = structuredResult(summary, shown);
  if (link) response.content.push(link);
  return response;
}

/** A retry hint only where a retry can help: the same request refused as invalid would fail again. */
function continuation(result: ResumeResult): string {
  const retryable = result.error !== undefined && TRANSIENT_KINDS.has(result.error.kind as QStashErrorKind);
  return retryable && result.cursor && result.cursor !== FROM_START_CURSOR
    ? ` To retry, call again with cursor "${result.cursor}".`
    : "";
}

export function listToolResult(report: ListReport, result: ListResult): CallToolResult {
  if (report.stopReason === "error" && report.messages.length === 0) {
    return toolError(report.error?.message ?? "Listing the DLQ failed.");
  }
  const next = result.cursor ? ` More remain: call again with cursor "${result.cursor}".` : "";
  const failure = report.error ? ` Stopped early: ${report.error.message}` : "";
  const grouped = result.summary
    ? ` Largest groups: ${result.summary.byResponseStatus
        .slice(0, 3)
        .map((group) => `status ${group.value} ×${group.count}`)
        .join(", ")}.`
    : "";
  return structuredResult(
    `Listed ${plural(result.returned, "DLQ message")} in ${plural(result.pages, "request")}.${grouped}${failure}${next}`,
    result,
  );
}

export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

function preview(ids: string[]): string {
  return ids.length <= 5 ? ids.join(", ") : `${ids.slice(0, 5).join(", ")} and ${ids.length - 5} more`;
}
