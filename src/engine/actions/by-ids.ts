/**
 * Acting on an id list (resume, restart or delete): batches of at most 50 ids in a sliding window of concurrent requests.
 * QStash answers a batch with a missing id with a 404 that does not say whether it acted on the
 * others (a delete counts what it deleted instead), so the batch is then checked id by id: what is
 * still in the DLQ is sent again, and what left may have been acted on by that request. Ids that
 * vanished after a request that did not say what it did (its answer lost, a 404 for several ids,
 * a short count) were most likely acted on by it — in this call, or in the call before, whose
 * cursor remembers which ranges were in doubt.
 */

import { asQStashError, QStashError } from "../../qstash/errors.js";
import type { StartedRun } from "../../qstash/parse.js";
import { encodedPairLength } from "../../qstash/query.js";
import { MAX_QUERY_CHARS } from "../../qstash/request.js";
import { MAX_IDS_PER_ACTION_REQUEST } from "../../wire/types.js";
import { indexesOf, rangesOf } from "../cursor.js";
import { lookUpIds } from "../lookup.js";
import type { CallScope, StopReason } from "../scope.js";
import type { ActionPlan } from "./plan.js";
import { type ActionReport, emptyReport, ReportBudget, reportProgress } from "./report.js";

interface BatchOutcome {
  runs: StartedRun[];
  /** Delete: the ids an answer counted as removed. */
  deleted: string[];
  notFound: string[];
  probablyChanged: string[];
  /** Set when the batch did not finish; the runs it did resume are still listed. */
  failure?: QStashError;
  /** The failure may have been processed: the batch's ids stay in doubt. */
  inDoubt?: boolean;
}

export async function actOnIds(
  plan: ActionPlan,
  ids: readonly string[],
  scope: CallScope,
  /** Shared with the caller when these ids are one page of a listed selection. */
  budget = new ReportBudget(plan.maxReportChars, plan.runsListedByLabel),
): Promise<ActionReport> {
  const report = emptyReport("ids");
  const start = plan.continuation?.ids ?? { offset: 0, done: [], uncertain: [] };
  let offset = start.offset;
  // Indexes past the offset already handled, by earlier calls or by batches of this one.
  const done = indexesOf(start.done);
  const inDoubt = indexesOf(start.uncertain);
  const total = ids.length - offset - done.size;
  const longestId = ids.reduce((longest, id) => Math.max(longest, JSON.stringify(id).length), 0);
  const progress = { pages: 0, resumed: 0, handled: 0 };

  let scan = offset;
  let launched = 0;
  let runsLaunched = 0;
  let idsInFlight = 0;
  let bounded: StopReason | undefined;
  let failure: QStashError | undefined;
  let failed = false;
  const outcomes: { batch: number[]; outcome?: BatchOutcome }[] = [];

  // Workers waiting for a batch in flight to answer before they may take another.
  const waiting: (() => void)[] = [];
  const wakeWaiting = () => {
    for (const wake of waiting.splice(0)) wake();
  };

  /**
   * The next batch this call may send; "wait" when the result's budget cannot tell yet (no batch
   * has answered) but one is in flight; undefined when none may go (`bounded` says why).
   */
  const takeBatch = (): number[] | "wait" | undefined => {
    if (failed) return undefined;
    const runsLeft = plan.maxRuns === undefined ? Number.POSITIVE_INFINITY : plan.maxRuns - runsLaunched;
    const batch = nextBatch(ids, done, scan, Math.min(MAX_IDS_PER_ACTION_REQUEST, Math.max(runsLeft, 1)));
    if (batch.length === 0) return undefined;
    const halt =
      scope.halted() ??
      (launched >= plan.maxPages ? "maxPages" : undefined) ??
      (runsLeft <= 0 ? "maxRuns" : undefined) ??
      (budget.fits(batch.length, longestId, idsInFlight) ? undefined : "resultSize");
    if (halt === "resultSize" && idsInFlight > 0) return "wait";
    if (halt) {
      bounded = halt;
      return undefined;
    }
    bounded = undefined;
    scan = (batch.at(-1) as number) + 1;
    launched += 1;
    runsLaunched += batch.length;
    return batch;
  };

  const worker = async () => {
    for (let batch = takeBatch(); batch; batch = takeBatch()) {
      if (batch === "wait") {
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue;
      }
      const slot = { batch } as (typeof outcomes)[number];
      outcomes.push(slot);
      idsInFlight += batch.length;
      const outcome = await resumeBatch(batch, ids, inDoubt, plan, scope, report);
      slot.outcome = outcome;
      idsInFlight -= batch.length;
      budget.addRuns(outcome.runs);
      budget.addIds([...outcome.deleted, ...outcome.notFound, ...outcome.probablyChanged]);
      wakeWaiting();
      if (outcome.failure) {
        failed = true;
        failure ??= outcome.failure;
        continue;
      }
      progress.pages += 1;
      progress.resumed += outcome.runs.length + outcome.deleted.length;
      progress.handled += batch.length;
      reportProgress(plan, { ...progress, total });
    }
  };
  // No more workers than ids left: every batch holds at least one, so none would find work.
  await Promise.all(Array.from({ length: Math.max(1, Math.min(plan.concurrency, total)) }, worker));

  // Batches go into the report in list order, whatever order they finished in.
  outcomes.sort((a, b) => (a.batch[0] as number) - (b.batch[0] as number));
  const nowInDoubt = new Set<number>();
  for (const { batch, outcome } of outcomes) {
    if (!outcome) continue;
    report.workflowRuns.push(...outcome.runs);
    report.deletedIds.push(...outcome.deleted);
    report.notFound.push(...outcome.notFound);
    report.probablyChanged.push(...outcome.probablyChanged);
    if (outcome.failure) {
      // Ids the batch settled before it failed are handled; the continuation sends the others.
      const settled = new Set([...outcome.deleted, ...outcome.notFound, ...outcome.probablyChanged]);
      for (const index of batch) {
        if (settled.has(ids[index] as string)) done.add(index);
        else if (outcome.inDoubt) nowInDoubt.add(index);
      }
      continue;
    }
    report.pages += 1;
    for (const index of batch) done.add(index);
  }
  while (done.delete(offset)) offset++;
  for (const index of inDoubt) if (index >= offset && !done.has(index)) nowInDoubt.add(index);

  if (failure) {
    report.stopReason = scope.stopReasonFor(failure);
    if (report.stopReason === "error") report.error = failure;
  } else if (offset < ids.length) {
    report.stopReason = bounded ?? scope.halted() ?? "maxPages";
  }
  if (offset < ids.length) {
    report.continuation = {
      ids: { offset, done: rangesOf(done), uncertain: rangesOf(nowInDoubt) },
    };
  }
  return report;
}

/**
 * The indexes of up to `size` ids from `start` that no earlier batch handled, fewer when long
 * ids would make the query too long to send.
 */
function nextBatch(ids: readonly string[], done: ReadonlySet<number>, start: number, size: number): number[] {
  const batch: number[] = [];
  let queryChars = 1;
  for (let index = start; index < ids.length && batch.length < size; index++) {
    if (done.has(index)) continue;
    const chars = encodedPairLength("dlqIds", ids[index] as string);
    if (batch.length > 0 && queryChars + chars > MAX_QUERY_CHARS) break;
    batch.push(index);
    queryChars += chars;
  }
  return batch;
}

/** After the first request, the ids still in the DLQ are sent once more, and no more. */
const RESENDS = 1;

async function resumeBatch(
  batch: number[],
  ids: readonly string[],
  inDoubt: ReadonlySet<number>,
  plan: ActionPlan,
  scope: CallScope,
  report: ActionReport,
): Promise<BatchOutcome> {
  const dlqIds = batch.map((index) => ids[index] as string);
  const indexOf = new Map(dlqIds.map((id, position) => [id, batch[position] as number]));
  const outcome: BatchOutcome = { runs: [], deleted: [], notFound: [], probablyChanged: [] };
  /**
   * A request may have acted on ids its answer does not name: its answer was lost, or it was a
   * 404 for several ids, which QStash sends when some were not there without saying whether it
   * acted on the others (docs/qstash-uncertain.md).
   */
  let unsure = false;
  /** Pages answered for the request being sent: a 404 after one of them is not about the ids. */
  let answered = 0;
  /** Sends ids; resolves with a delete's count when it counted fewer than it was sent. */
  const send = async (sendIds: string[]): Promise<number | undefined> => {
    // QStash answers an id batch whole; should it ever page one, the batch is followed to its end.
    let cursor: string | undefined;
    let short: number | undefined;
    answered = 0;
    const seen = new Set<string>();
    do {
      const sent = cursor;
      if (sent !== undefined) stopIfHalted(scope);
      const attempted = await scope.attempt((context) =>
        scope.api.act(plan.action, { mode: "ids", dlqIds: sendIds }, { cursor: sent }, plan.options, context),
      );
      if (attempted.uncertain) unsure = true;
      if (!attempted.ok) throw attempted.error;
      const page = attempted.value;
      answered += 1;
      outcome.runs.push(...page.workflowRuns);
      if (page.deleted !== undefined) {
        // Delete by ids counts what it deleted and names none (it documents no 404): a count short
        // of the ids sent is settled by looking them up.
        if (page.deleted >= sendIds.length) outcome.deleted.push(...sendIds);
        else short = page.deleted;
      }
      if (page.unreadableRuns > 0) {
        report.unreportedPossible = true;
        report.unreportedAtMost += page.unreadableRuns;
      }
      if (page.problem) throw page.problem;
      // A delete's answer only counts: a cursor on it would lead to the same ids again.
      cursor = page.deleted === undefined ? page.cursor : undefined;
      if (cursor !== undefined && seen.has(cursor)) {
        throw new QStashError(
          "protocol",
          "QStash returned a cursor it had already returned for an id batch; stopped.",
        );
      }
      if (cursor !== undefined) seen.add(cursor);
    } while (cursor !== undefined);
    return short;
  };
  try {
    let pending = dlqIds;
    for (let round = 0; ; round++) {
      /** A delete's short count; undefined after a 404. */
      let counted: number | undefined;
      try {
        counted = await send(pending);
        if (counted === undefined) return outcome;
      } catch (error) {
        const failure = asQStashError(error);
        if (failure.kind !== "notFound" || answered > 0) throw failure;
        // A 404 for one id acted on nothing; for several, it may have acted on the ids it found.
        if (pending.length > 1) unsure = true;
      }
      // QStash said some ids were not there, and not which: what is still in the DLQ tells.
      stopIfHalted(scope);
      const found = await lookUpIds(pending, scope);
      if (!(found instanceof Map)) throw found;
      const gone = pending.filter((id) => found.get(id) === undefined);
      const present = pending.filter((id) => found.get(id) !== undefined);
      for (const id of gone) {
        if (unsure || inDoubt.has(indexOf.get(id) as number)) outcome.probablyChanged.push(id);
        // Nothing acted on (a 404 for one id, a delete that counted none): the id was not there.
        else if (counted === undefined || counted === 0) outcome.notFound.push(id);
        // As many left as the delete counted: it deleted exactly those.
        else if (gone.length === counted) outcome.deleted.push(id);
        // More left than it counted: some were gone before, and the count does not say which.
        else outcome.probablyChanged.push(id);
      }
      if (present.length === 0) return outcome;
      if (round >= RESENDS) {
        throw new QStashError(
          "protocol",
          `QStash answered twice for ids it did not act on: ${present.length === 1 ? "1 id is" : `${present.length} ids are`} still in the DLQ. Stopped.`,
        );
      }
      stopIfHalted(scope);
      pending = present;
    }
  } catch (error) {
    outcome.failure = asQStashError(error);
    // An answered page that could not be followed to its end: what it resumed is listed, and the
    // continuation treats the batch's missing ids as most likely resumed.
    if (!unsure && outcome.runs.length + outcome.deleted.length > 0) outcome.inDoubt = true;
    if (!unsure) return outcome;
    // A request may have acted without naming what. Which of the batch's ids left the DLQ tells:
    // those are reported now, and the rest are still there for the continuation.
    const settled = new Set([...outcome.deleted, ...outcome.notFound, ...outcome.probablyChanged]);
    const pending = dlqIds.filter((id) => !settled.has(id));
    const found = scope.signal.aborted ? undefined : await lookUpIds(pending, scope);
    if (found instanceof Map) {
      for (const id of pending) if (found.get(id) === undefined) outcome.probablyChanged.push(id);
      return outcome;
    }
    // Not even the lookups went through: the continuation treats the batch's missing ids as most
    // likely resumed, and this result says how many runs may be unreported.
    report.unreportedPossible = true;
    report.unreportedAtMost += pending.length;
    outcome.inDoubt = true;
    return outcome;
  }
}

/**
 * A cancelled or stopping call sends nothing new: not the rest of a batch, not its lookups. The
 * batch stays unhandled, and the continuation sends it again.
 */
function stopIfHalted(scope: CallScope): void {
  const halt = scope.halted();
  if (halt) {
    throw new QStashError("aborted", `Stopped (${halt}) before the next request.`, {
      surelyNotProcessed: true,
    });
  }
}
