/**
 * dlq_retry_failure_callback's result, by ids or by filter: one line per entry (retried, probably
 * retried, refused, not found, failed or not attempted), and for a filter where it goes on.
 */
import type { CallToolResult } from "@modelcontextprotocol/server";
import type { CallbackReport, ProbablyRetried } from "../../engine/callbacks.js";
import { clip, errorInfo, plural, preview, structuredResult, toolError } from "../../mcp/results.js";
import { plainOrQuoted } from "../../quote.js";
import type { CallbackResult } from "./output.js";

/** Room a result keeps for its summary, a cursor and fields besides the lists of ids. */
const RESULT_RESERVE_CHARS = 4_000;
/** A listed id's own fields (a run id, a refusal's reason, an error), beside the id twice over. */
const PER_ID_CHARS = 150;

/** How many ids of up to `longest` JSON characters one result can name, each with its outcome. */
export function idsThatFit(longest: number, maxResultChars: number): number {
  return Math.floor((maxResultChars - RESULT_RESERVE_CHARS) / (2 * longest + PER_ID_CHARS));
}

/** What a selection by filter adds: where it goes on, and how much it read. */
export interface Listed {
  cursor?: string;
  complete: boolean;
  scanned?: number;
}

export function callbackResult(
  report: CallbackReport,
  journalIncomplete: boolean,
  listed?: Listed,
): CallToolResult {
  const result: CallbackResult = { retried: report.retried, stopReason: report.stopReason };
  if (journalIncomplete) result.journalIncomplete = true;
  if (report.probablyRetried.length) result.probablyRetried = report.probablyRetried;
  if (report.refused.length) result.refused = report.refused;
  if (report.notFound.length) result.notFound = report.notFound;
  if (report.failed.length) {
    result.failed = report.failed.map(({ dlqId, error }) => ({ dlqId, error: errorInfo(error) }));
  }
  if (report.notAttempted.length) result.notAttempted = report.notAttempted;
  if (listed) {
    result.complete = listed.complete;
    if (listed.scanned !== undefined) result.scanned = listed.scanned;
    if (listed.cursor !== undefined) result.cursor = listed.cursor;
  }
  const parts = [
    `Retried ${plural(report.retried.length, "failure callback")}.`,
    report.probablyRetried.length ? probablyRetriedText(report.probablyRetried) : "",
    report.refused.length
      ? `Refused by QStash: ${report.refused
          .slice(0, 5)
          .map((refusal) => `${plainOrQuoted(refusal.dlqId, 64)} (${refusal.reason})`)
          .join(", ")}${report.refused.length > 5 ? `, and ${report.refused.length - 5} more` : ""}.`
      : "",
    report.notFound.length ? `Not in the DLQ: ${preview(report.notFound)}.` : "",
    report.failed.length
      ? `${plural(report.failed.length, "request")} failed (${report.failed[0]?.error.message}): call again with those ids.`
      : "",
    report.notAttempted.length
      ? `Stopped (${report.stopReason}) before ${plural(report.notAttempted.length, "id")}: call again with them.`
      : "",
    listed?.cursor
      ? "More match: call again with the same filter (and where) and this cursor to go on; entries that failed since are left out."
      : "",
  ].filter(Boolean);
  const nothing = report.retried.length === 0 && report.probablyRetried.length === 0;
  if (
    nothing &&
    report.failed.length > 0 &&
    report.refused.length === 0 &&
    report.notFound.length === 0 &&
    !listed?.cursor
  ) {
    return { ...toolError(parts.slice(1).join(" ")), structuredContent: result };
  }
  return structuredResult(parts.join(" "), result);
}

/**
 * The ids whose answer was lost, each with what its entry read afterwards: whether to retry one
 * is the caller's call, since its callback (a refund, a notification) may have run already.
 */
function probablyRetriedText(entries: readonly ProbablyRetried[]): string {
  const shown = entries.slice(0, 5).map(({ dlqId, state }) => {
    const id = clip(dlqId, 64);
    if (state === "gone") return `${id} is no longer in the DLQ`;
    if (state === "unknown") return `${id} could not be read`;
    return `${id} reads ${state} now`;
  });
  const more = entries.length > 5 ? `, and ${entries.length - 5} more` : "";
  return `${plural(entries.length, "more")} probably retried: the answer was lost, so the callback may have run and was not sent again (${shown.join("; ")}${more}). Check the callback's effects before retrying ${entries.length === 1 ? "it" : "any of them"}.`;
}
