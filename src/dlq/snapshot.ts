/**
 * The snapshot of a filter or all operation: its first call reads QStash's clock and from then on
 * the operation sends that time as `toDate` (inclusive), on this call and every continuation. A
 * run that fails again re-enters the DLQ with a new id and a later time, and must not be acted on
 * again by the same operation.
 */
import { emptyReport, type ResumeReport } from "./report.js";
import type { DlqFilter } from "./request.js";
import type { ResumePlan } from "./resume.js";
import type { CallScope } from "./scope.js";

/** Without a Date header, the local clock stands in, held back against a skew of this much. */
const LOCAL_CLOCK_MARGIN_MS = 5_000;

export type Opened =
  | { ok: true; report: ResumeReport; until: number; filter: DlqFilter }
  /** Nothing to do, or the clock could not be read: the report says which. */
  | { ok: false; report: ResumeReport };

/** The operation's filter bounded by its snapshot, and the report the runner fills in. */
export async function openSnapshot(plan: ResumePlan, scope: CallScope): Promise<Opened> {
  const report = emptyReport(plan.selection.mode === "filter" ? "filter" : "all");
  const filter: DlqFilter = plan.selection.mode === "filter" ? plan.selection.filter : {};
  let until = plan.continuation?.until;
  if (until === undefined) {
    const halt = scope.halted();
    if (halt) {
      report.stopReason = halt;
      report.continuation = {};
      return { ok: false, report };
    }
    const probe = await scope.attempt((context) => scope.api.list(filter, { count: 1 }, context));
    if (!probe.ok) {
      report.stopReason = scope.stopReasonFor(probe.error);
      if (report.stopReason === "error") report.error = probe.error;
      report.continuation = {};
      return { ok: false, report };
    }
    until = probe.value.serverTime ?? Date.now() - LOCAL_CLOCK_MARGIN_MS;
    report.snapshot = until;
    // Nothing matches at all: no further request is needed to know it.
    if (probe.value.messages.length === 0) return { ok: false, report };
  }
  report.snapshot = until;
  return {
    ok: true,
    report,
    until,
    filter: { ...filter, toDate: Math.min(filter.toDate ?? Number.POSITIVE_INFINITY, until) },
  };
}
