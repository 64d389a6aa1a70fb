/**
 * Resuming or restarting by filter or all, page by page at the action's own endpoint, inside the
 * operation's snapshot (`snapshot.ts`). A request whose answer is lost is not repeated: repeating its
 * cursor would resume the next entries while the lost page's runs stay unreported, so the call
 * stops there and says how many runs the lost page may have resumed.
 */

import type { StartedRun } from "../../qstash/parse.js";
import type { Selection } from "../../qstash/request.js";
import { type PageLoopOutcome, runPages } from "../pages.js";
import type { CallScope } from "../scope.js";
import { openSnapshot } from "../snapshot.js";
import type { ActionPlan } from "./plan.js";
import { type ActionReport, ReportBudget, reportProgress } from "./report.js";

export async function actAtEndpoint(plan: ActionPlan, scope: CallScope): Promise<ActionReport> {
  const opened = await openSnapshot(plan, scope);
  if (!opened.ok) return opened.report;
  const { report, until } = opened;
  const bounded: Selection = { mode: "filter", filter: opened.filter };
  const budget = new ReportBudget(plan.maxReportChars, plan.runsListedByLabel);
  const progress = { pages: 0, resumed: 0, handled: 0 };
  // How many runs the next request may act on: the count it is sent. The current OpenAPI caps a
  // bulk restart at 50 a request but says a resume acts on as many as its count, so the count,
  // not 50, bounds what a lost answer may have left unreported and what the result must hold.
  let pageSize = plan.count;
  const runsLeft = () =>
    plan.maxRuns === undefined ? Number.POSITIVE_INFINITY : plan.maxRuns - report.workflowRuns.length;

  const outcome: PageLoopOutcome = await runPages<StartedRun[]>({
    scope,
    maxPages: plan.maxPages,
    ...(plan.continuation?.next === undefined ? {} : { from: plan.continuation.next }),
    bound: () => {
      if (runsLeft() <= 0) return "maxRuns";
      if (!budget.fits(pageSize)) return "resultSize";
      return undefined;
    },
    fetch: async (cursor) => {
      // Clamped only under a run cap, so that without one the query is the official client's.
      const count = Math.min(plan.count, runsLeft());
      pageSize = count;
      const attempted = await scope.attempt(
        (context) => scope.api.act(plan.action, bounded, { count, cursor }, plan.options, context),
        { ambiguousIsFinal: true },
      );
      if (!attempted.ok) return attempted;
      const page = attempted.value;
      if (page.unreadableRuns > 0) {
        report.unreportedPossible = true;
        report.unreportedAtMost += page.unreadableRuns;
      }
      return {
        ok: true,
        uncertain: attempted.uncertain,
        value: {
          page: page.workflowRuns,
          ...(page.cursor === undefined ? {} : { next: page.cursor }),
          ...(page.problem ? { problem: page.problem } : {}),
        },
      };
    },
    take: (runs) => {
      report.workflowRuns.push(...runs);
      budget.addRuns(runs);
      progress.pages += 1;
      progress.resumed += runs.length;
      progress.handled += runs.length;
      reportProgress(plan, progress);
      return undefined;
    },
  });
  report.pages = outcome.pages;
  report.stopReason = outcome.stopReason;
  if (outcome.error) report.error = outcome.error;
  if (outcome.uncertain) {
    // Only the last request can be lost: an ambiguous failure ends the call.
    report.unreportedPossible = true;
    report.unreportedAtMost += pageSize;
  }
  if (outcome.remaining) {
    report.continuation = { until, ...(outcome.next === undefined ? {} : { next: outcome.next }) };
  }
  return report;
}
