/**
 * The snapshot of a filter or all operation: its first call reads QStash's clock and from then on
 * the operation sends that time as `toDate` (inclusive), on this call and every continuation. A
 * run that fails again re-enters the DLQ with a new id and a later time, and must not be acted on
 * again by the same operation.
 */
import type { QStashError } from "../qstash/errors.js";
import type { DlqFilter } from "../qstash/request.js";
import type { ActionPlan } from "./actions/plan.js";
import { type ActionReport, emptyReport } from "./actions/report.js";
import type { CallScope } from "./scope.js";

/** Without a Date header, the local clock stands in, held back against a skew of this much. */
const LOCAL_CLOCK_MARGIN_MS = 5_000;

export type Opened =
  | { ok: true; report: ActionReport; until: number; filter: DlqFilter }
  /** Nothing to do, or the clock could not be read: the report says which. */
  | { ok: false; report: ActionReport };

export type Snapshot =
  | {
      ok: true;
      /** QStash's clock, or the local one held back when no Date header came. */
      until: number;
      /** Nothing matched the filter at all. */
      empty: boolean;
    }
  | { ok: false; error: QStashError };

/**
 * QStash's time now, from the Date header of a one-entry list of the filter. The header has whole
 * seconds, so the snapshot is the start of that second: an entry that entered the DLQ earlier in
 * the same second is left for the next operation, never acted on unasked.
 */
export async function readSnapshot(filter: DlqFilter, scope: CallScope): Promise<Snapshot> {
  const probe = await scope.attempt((context) => scope.api.list(filter, { count: 1 }, context));
  if (!probe.ok) return { ok: false, error: probe.error };
  return {
    ok: true,
    until: probe.value.serverTime ?? Date.now() - LOCAL_CLOCK_MARGIN_MS,
    empty: probe.value.messages.length === 0,
  };
}

/** The filter held within a snapshot (inclusive, as QStash's toDate is). */
export function withinSnapshot(filter: DlqFilter, until: number): DlqFilter {
  return { ...filter, toDate: Math.min(filter.toDate ?? Number.POSITIVE_INFINITY, until) };
}

/**
 * The operation's filter bounded by its snapshot, and the report the runner fills in. A call that
 * stops before it has a snapshot hands out no continuation: a cursor stands for an operation
 * already sized and allowed, and without a snapshot there is nothing it could be bounded by.
 */
export async function openSnapshot(plan: ActionPlan, scope: CallScope): Promise<Opened> {
  const report = emptyReport(plan.selection.mode === "filter" ? "filter" : "all");
  const filter: DlqFilter = plan.selection.mode === "filter" ? plan.selection.filter : {};
  let until = plan.continuation?.until;
  if (until === undefined) {
    const halt = scope.halted();
    if (halt) {
      report.stopReason = halt;
      return { ok: false, report };
    }
    const snapshot = await readSnapshot(filter, scope);
    if (!snapshot.ok) {
      report.stopReason = scope.stopReasonFor(snapshot.error);
      if (report.stopReason === "error") report.error = snapshot.error;
      return { ok: false, report };
    }
    until = snapshot.until;
    report.snapshot = until;
    // Nothing matches at all: no further request is needed to know it.
    if (snapshot.empty) return { ok: false, report };
  }
  report.snapshot = until;
  return { ok: true, report, until, filter: withinSnapshot(filter, until) };
}
