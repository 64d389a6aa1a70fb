/**
 * A selection in the words of a question to the user: the filter's fields and where's conditions,
 * the user's values quoted, since they may have been copied from the DLQ, line breaks and all.
 */
import type { Where } from "../../engine/where.js";
import type { DlqFilter } from "../../qstash/request.js";
import { quoted } from "../../quote.js";

/** "label="billing", workflowUrl="…"". */
export function describeFilter(filter: DlqFilter): string {
  return Object.entries(filter)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${quoted(Array.isArray(value) ? value.join("|") : String(value), 82)}`)
    .join(", ");
}

/** "status 5xx or 429 and body containing "timeout"". */
export function describeWhere(where: Where): string {
  return [
    where.responseStatus ? `status ${where.responseStatus.join(" or ")}` : "",
    where.responseBodyContains ? `body containing ${quoted(where.responseBodyContains, 82)}` : "",
    where.failedStepUrl ? `step URL starting ${quoted(where.failedStepUrl, 82)}` : "",
  ]
    .filter(Boolean)
    .join(" and ");
}

/** A filter and, when given, where: "label="billing" with status 5xx". */
export function describeSelection(filter: DlqFilter, where: Where | undefined): string {
  return where ? `${describeFilter(filter)} with ${describeWhere(where)}` : describeFilter(filter);
}
