/**
 * Resume plans and their runner: id lists go out in concurrent batches, filters and "all" page
 * by cursor inside a snapshot of the DLQ. Either way the runner stops at the page, run, size or
 * time bound, on cancellation, shutdown or an error, and returns what was resumed so far with
 * where to continue.
 */

import { ACTIONS, type ActionName } from "../../qstash/actions.js";
import type { ResumeOptions, Selection } from "../../qstash/request.js";
import type { CallScope } from "../scope.js";
import type { Where } from "../where.js";
import { actAtEndpoint } from "./by-endpoint.js";
import { actOnIds } from "./by-ids.js";
import { actOnListed } from "./listed.js";
import type { ActionReport, Continuation } from "./report.js";

export interface ActionProgress {
  pages: number;
  resumed: number;
  /** Id lists: ids dealt with so far, against `total`. */
  handled: number;
  total?: number;
}

export interface ActionPlan {
  /** Resume (from the failed step) or restart (from the first): the same run either way. */
  action: ActionName;
  selection: Selection;
  /** Filter and all: only listed entries that match it are acted on, by id. */
  where?: Where;
  options: ResumeOptions;
  /** Entries per request in filter and all modes. */
  count: number;
  maxPages: number;
  /** Never resume more runs than this in one call. */
  maxRuns?: number;
  /** Id batches sent at once. */
  concurrency: number;
  /** Where an earlier call of the same operation stopped. */
  continuation?: Continuation;
  /** The report must fit in this many characters: no session resource can hold the rest. */
  maxReportChars?: number;
  onPage?: (progress: ActionProgress) => void;
}

/**
 * Ids go out in batches; a filter or all goes to the action's endpoint page by page, unless the
 * entries must be listed first: to match `where`, to name what a delete removed, or to hold a
 * run id to exactly that run. The bulk endpoints may match `workflowRunId` as a prefix (older
 * REST pages of bulk resume and restart, upstash/docs workflow/rest/dlq/bulk-resume.mdx: "Run ID
 * or ID prefix"; see docs/qstash-uncertain.md), so a short id sent there could resume other runs.
 */
export function runAction(plan: ActionPlan, scope: CallScope): Promise<ActionReport> {
  if (plan.selection.mode === "ids") return actOnIds(plan, plan.selection.dlqIds, scope);
  const runId = plan.selection.mode === "filter" && plan.selection.filter.workflowRunId !== undefined;
  return plan.where || runId || !ACTIONS[plan.action].bulkByFilter
    ? actOnListed(plan, scope)
    : actAtEndpoint(plan, scope);
}
