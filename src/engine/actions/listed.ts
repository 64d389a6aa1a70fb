/**
 * Acting on listed entries: the selection is read page by page from the list endpoint inside the
 * operation's snapshot, the entries that match `where` are picked, and the action takes them by
 * id, in concurrent batches with the id runner's guarantees. A delete goes this way even without
 * `where`, so that its report names every entry it removed, and so does any selection with a run
 * id, so that it acts on exactly that run. A page acted on only in part is read
 * again by the continuation: what was acted on has left the DLQ, and the rest is still there.
 */

import type { DlqFilter } from "../../qstash/request.js";
import { MAX_LIST_COUNT } from "../../wire/types.js";
import { runPages } from "../pages.js";
import type { CallScope } from "../scope.js";
import { openSnapshot } from "../snapshot.js";
import { matcher } from "../where.js";
import { actOnIds } from "./by-ids.js";
import type { ActionPlan } from "./plan.js";
import { type ActionReport, ReportBudget, reportProgress } from "./report.js";

interface ActedPage {
  scanned: number;
  acted?: ActionReport;
}

export async function actOnListed(plan: ActionPlan, scope: CallScope): Promise<ActionReport> {
  const opened = await openSnapshot(plan, scope);
  if (!opened.ok) return opened.report;
  const { report, until, filter } = opened;
  report.scanned = 0;
  const matches = picker(plan, filter);
  const budget = new ReportBudget(plan.maxReportChars, plan.runsListedByLabel);
  const changed = () => report.workflowRuns.length + report.deletedIds.length + report.probablyChanged.length;
  const runsLeft = () => (plan.maxRuns === undefined ? Number.POSITIVE_INFINITY : plan.maxRuns - changed());
  const progress = { pages: 0, resumed: 0, handled: 0 };

  const outcome = await runPages<ActedPage>({
    scope,
    maxPages: plan.maxPages,
    ...(plan.continuation?.next === undefined ? {} : { from: plan.continuation.next }),
    bound: () => {
      if (runsLeft() <= 0) return "maxRuns";
      if (!budget.fits(1)) return "resultSize";
      return undefined;
    },
    fetch: async (cursor) => {
      const listed = await scope.attempt((context) =>
        scope.api.list(filter, { count: Math.min(plan.count, MAX_LIST_COUNT), cursor }, context),
      );
      if (!listed.ok) return listed;
      const { messages, cursor: next } = listed.value;
      const dlqIds = messages.filter(matches).map((message) => message.dlqId);
      const page: ActedPage = { scanned: messages.length };
      if (dlqIds.length > 0) {
        page.acted = await actOnIds(
          {
            ...plan,
            selection: { mode: "ids", dlqIds },
            maxPages: Number.POSITIVE_INFINITY,
            ...(plan.maxRuns === undefined ? {} : { maxRuns: runsLeft() }),
            onPage: (inner) =>
              reportProgress(plan, {
                ...progress,
                pages: progress.pages + inner.pages,
                resumed: progress.resumed + inner.resumed,
                handled: progress.handled + inner.handled,
              }),
          },
          dlqIds,
          scope,
          budget,
        );
      }
      return { ok: true, uncertain: false, value: { page, ...(next ? { next } : {}) } };
    },
    take: ({ scanned, acted }) => {
      report.scanned = (report.scanned ?? 0) + scanned;
      if (!acted) return undefined;
      report.pages += acted.pages;
      report.workflowRuns.push(...acted.workflowRuns);
      report.deletedIds.push(...acted.deletedIds);
      report.notFound.push(...acted.notFound);
      report.probablyChanged.push(...acted.probablyChanged);
      if (acted.unreportedPossible) {
        report.unreportedPossible = true;
        report.unreportedAtMost += acted.unreportedAtMost;
      }
      progress.pages += acted.pages;
      progress.resumed += acted.workflowRuns.length + acted.deletedIds.length;
      progress.handled += acted.workflowRuns.length + acted.deletedIds.length;
      if (acted.stopReason === "done") return undefined;
      if (acted.error) report.error = acted.error;
      return { stop: acted.stopReason, again: true };
    },
  });
  report.listPages = outcome.pages;
  report.stopReason = outcome.stopReason;
  if (outcome.error) report.error = outcome.error;
  if (outcome.remaining) {
    report.continuation = { until, ...(outcome.next === undefined ? {} : { next: outcome.next }) };
  }
  return report;
}

/**
 * The entries of a page to act on: those `where` matches, and with a run id in the filter only
 * the runs of exactly that id, since QStash may match it as a prefix.
 */
function picker(plan: ActionPlan, filter: DlqFilter) {
  const matches = plan.where ? matcher(plan.where) : () => true;
  const runId = filter.workflowRunId;
  return (message: Parameters<typeof matches>[0]) =>
    (runId === undefined || message.workflowRunId === runId) && matches(message);
}
