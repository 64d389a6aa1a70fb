/**
 * Resuming by filter or all. The operation first reads QStash's clock and from then on sends
 * that time as `toDate` (inclusive), on this call and every continuation: a resumed run that
 * fails again re-enters the DLQ with a new id and a later time, and must not be resumed again by
 * the same operation. A resume request whose answer is lost is not repeated: repeating its
 * cursor would resume the next entries while the lost page's runs stay unreported, so the call
 * stops there and says how many runs the lost page may have resumed.
 */
import { MAX_RUNS_PER_RESUME_REQUEST } from "../wire/types.js";
import { type PageLoopOutcome, runPages } from "./pages.js";
import { emptyReport, ReportBudget, type ResumeReport, reportProgress } from "./report.js";
import type { DlqFilter, Selection } from "./request.js";
import type { ResumedRun } from "./responses.js";
import type { ResumePlan } from "./resume.js";
import type { CallScope } from "./scope.js";

/** Without a Date header, the local clock stands in, held back against a skew of this much. */
const LOCAL_CLOCK_MARGIN_MS = 5_000;

export async function resumeByCursor(plan: ResumePlan, scope: CallScope): Promise<ResumeReport> {
  const mode = plan.selection.mode === "filter" ? "filter" : "all";
  const report = emptyReport(mode);
  const filter: DlqFilter = plan.selection.mode === "filter" ? plan.selection.filter : {};
  let until = plan.continuation?.until;
  if (until === undefined) {
    const halt = scope.halted();
    if (halt) {
      report.stopReason = halt;
      report.continuation = {};
      return report;
    }
    const probe = await scope.attempt((context) => scope.api.list(filter, { count: 1 }, context));
    if (!probe.ok) {
      report.stopReason = scope.stopReasonFor(probe.error);
      if (report.stopReason === "error") report.error = probe.error;
      report.continuation = {};
      return report;
    }
    until = probe.value.serverTime ?? Date.now() - LOCAL_CLOCK_MARGIN_MS;
    report.snapshot = until;
    // Nothing matches at all: no resume request is needed to know it.
    if (probe.value.messages.length === 0) return report;
  }
  report.snapshot = until;
  const bounded: Selection = {
    mode: "filter",
    filter: { ...filter, toDate: Math.min(filter.toDate ?? Number.POSITIVE_INFINITY, until) },
  };
  const budget = new ReportBudget(plan.maxReportChars);
  const progress = { pages: 0, resumed: 0, handled: 0 };
  let pageSize = Math.min(plan.count, MAX_RUNS_PER_RESUME_REQUEST);
  const runsLeft = () =>
    plan.maxRuns === undefined ? Number.POSITIVE_INFINITY : plan.maxRuns - report.workflowRuns.length;

  const outcome: PageLoopOutcome = await runPages<ResumedRun[]>({
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
      pageSize = Math.min(count, MAX_RUNS_PER_RESUME_REQUEST);
      const attempted = await scope.attempt(
        (context) => scope.api.redrive(plan.action, bounded, { count, cursor }, plan.options, context),
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
