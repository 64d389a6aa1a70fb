/**
 * Reports → MCP tool results: structured content for programs, a one-line summary for people,
 * and the same JSON as text for clients that do not read structured content.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { ListReport } from "../dlq/list.js";
import type { ResumeReport } from "../dlq/resume.js";
import type { QStashError } from "../qstash/errors.js";
import type { ListResult, ResumeResult } from "./schemas.js";

export function toolError(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

function structured<T extends Record<string, unknown>>(summary: string, data: T): CallToolResult {
  return {
    content: [
      { type: "text", text: summary },
      { type: "text", text: JSON.stringify(data) },
    ],
    structuredContent: data,
  };
}

function errorInfo(error: QStashError): NonNullable<ResumeResult["error"]> {
  return error.status === undefined
    ? { kind: error.kind, message: error.message }
    : { kind: error.kind, message: error.message, status: error.status };
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
  if (report.unreportedPossible) result.unreportedPossible = true;
  if (report.error) result.error = errorInfo(report.error);
  return result;
}

export function summarizeResume(result: ResumeResult): string {
  const runs = `${result.resumed} run${result.resumed === 1 ? "" : "s"}`;
  const pages = `${result.pages} request${result.pages === 1 ? "" : "s"}`;
  const missing = result.notFound?.length
    ? ` ${result.notFound.length} id(s) were not in the DLQ: ${preview(result.notFound)}.`
    : "";
  const next = result.cursor
    ? ` More may remain: call again with the same selection and cursor "${result.cursor}".`
    : result.complete
      ? ""
      : " Call again with the same arguments to continue.";
  const unreported = result.unreportedPossible
    ? " A request's outcome is unknown, so some runs may have been resumed without being listed; dlq_list shows what is still in the DLQ."
    : "";
  switch (result.stopReason) {
    case "done":
      return `Resumed ${runs} in ${pages} (${result.mode}); nothing left to resume.${missing}`;
    case "maxPages":
      return `Resumed ${runs} in ${pages} (${result.mode}), stopping at maxPages.${missing}${next}`;
    case "cancelled":
      return `Partial: cancelled after resuming ${runs} in ${pages}.${missing}${unreported}${next}`;
    case "error":
      return `Partial: resumed ${runs} in ${pages}, then failed: ${result.error?.message ?? "unknown error"}${missing}${unreported}${next}`;
  }
}

export function resumeToolResult(report: ResumeReport): CallToolResult {
  const result = toResumeResult(report);
  if (result.resumed === 0 && !result.unreportedPossible) {
    if (result.stopReason === "error" && !result.notFound) {
      return toolError(`${result.error?.message ?? "The request failed."} Nothing was resumed.`);
    }
    if (result.stopReason === "done" && result.notFound) {
      return toolError(
        `Nothing was resumed: ${result.notFound.length === 1 ? "this id is" : "these ids are"} not in the DLQ (already resumed or deleted, or never there): ${preview(result.notFound)}. dlq_list shows what the DLQ holds.`,
      );
    }
  }
  return structured(summarizeResume(result), result);
}

export function listToolResult(report: ListReport, result: ListResult): CallToolResult {
  if (report.stopReason === "error" && report.messages.length === 0) {
    return toolError(report.error?.message ?? "Listing the DLQ failed.");
  }
  const shown = `${result.returned} DLQ message${result.returned === 1 ? "" : "s"}`;
  const next = result.cursor ? ` More remain: call again with cursor "${result.cursor}".` : "";
  const failure = report.error ? ` Stopped early: ${report.error.message}` : "";
  return structured(
    `Listed ${shown} in ${result.pages} request${result.pages === 1 ? "" : "s"}.${failure}${next}`,
    result,
  );
}

export { errorInfo };

function preview(ids: string[]): string {
  return ids.length <= 5 ? ids.join(", ") : `${ids.slice(0, 5).join(", ")} and ${ids.length - 5} more`;
}
