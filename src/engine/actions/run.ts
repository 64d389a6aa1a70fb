/**
 * The dispatcher of action plans: id lists go out in concurrent batches, filters and "all" page
 * by cursor inside a snapshot of the DLQ. Either way the runner stops at the page, run, size or
 * time bound, on cancellation, shutdown or an error, and returns what it changed so far with
 * where to continue.
 */

import { ACTIONS } from "../../qstash/actions.js";
import type { CallScope } from "../scope.js";
import { actAtEndpoint } from "./by-endpoint.js";
import { actOnIds } from "./by-ids.js";
import { actOnListed } from "./listed.js";
import type { ActionPlan } from "./plan.js";
import type { ActionReport } from "./report.js";

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
