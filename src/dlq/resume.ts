/**
 * Runs a resume plan page by page: id batches of at most 50, or cursor steps for a filter or
 * all. It stops at the page, run or time bound, on cancellation or on an error, and always returns
 * what was resumed so far with the cursor that continues the job.
 */
import { asQStashError, QStashError } from "../qstash/errors.js";
import { DEFAULT_BULK_COUNT, MAX_RUNS_PER_RESUME_REQUEST, type WorkflowRunRef } from "../wire/types.js";
import type { DlqApi, RequestRecord, ResumePage } from "./api.js";
import { mapWithConcurrency } from "./concurrency.js";
import { encodeIdCursor, type IdProgress, rangesOf } from "./id-cursor.js";
import { MAX_QUERY_CHARS, type ResumeOptions, type Selection } from "./request.js";
import { type Attempted, type RetryContext, type RetryPolicy, withRetries } from "./retry.js";

/**
 * Continues a filter or all job that stopped before the server issued any cursor (the first page
 * failed): the result still carries a cursor whenever work remains, and this one means "from the
 * beginning". It never reaches the wire.
 */
export const FROM_START_CURSOR = "from-start";

export type StopReason = "done" | "maxPages" | "maxRuns" | "deadline" | "cancelled" | "error";

export interface ResumePlan {
  selection: Selection;
  options: ResumeOptions;
  /** Entries per request in filter and all modes. */
  count?: number;
  /** Filter and all modes: the server's cursor to start from. */
  cursor?: string;
  /** Ids mode: what earlier calls already handled. */
  idProgress?: IdProgress;
  maxPages: number;
  /** Never resume more runs than this in one call. */
  maxRuns?: number;
  /** Id batches sent at once. */
  concurrency?: number;
}

export interface ResumeReport {
  mode: Selection["mode"];
  workflowRuns: WorkflowRunRef[];
  pages: number;
  stopReason: StopReason;
  /** Present exactly when entries may remain; pass it back to continue. */
  cursor?: string;
  /** Ids that were not in the DLQ (already resumed or deleted, or never there). */
  notFound: string[];
  /** Ids that vanished after a request whose answer was lost: that request most likely resumed them. */
  probablyResumed: string[];
  error?: QStashError;
  /** A request whose outcome is unknown may have resumed runs that are not listed. */
  unreportedPossible: boolean;
}

export interface RunContext {
  api: DlqApi;
  retry: RetryPolicy;
  signal?: AbortSignal;
  /** Epoch milliseconds: no new page starts after this. */
  deadlineAt?: number;
  onRequest?: (record: RequestRecord) => void;
  onRetry?: RetryContext["onRetry"];
  /** After every page; for id lists `handled` counts ids dealt with and `total` the ids to go. */
  onPage?: (progress: { pages: number; resumed: number; handled: number; total?: number }) => void;
}

interface Steps {
  /** Whether nothing is left to do. */
  finished(): boolean;
  /** The cursor that continues from here (undefined before a cursor job got its first page). */
  cursor(): string | undefined;
  /**
   * Runs the next page, or for id lists the next stretch of batches, several in flight at once.
   * What the pages resumed is reported even when one of them failed; the failure then ends the loop.
   */
  run(
    limits: { runs: number; pages: number },
    pageDone: (runs: number, handled: number) => void,
  ): Promise<{ pages: ResumePage[]; failure?: QStashError }>;
  total?: number;
}

/** How long a request in flight at the deadline may still take before it is cut off. */
export const DEADLINE_GRACE_MS = 2_000;

export async function runResume(plan: ResumePlan, context: RunContext): Promise<ResumeReport> {
  const report: ResumeReport = {
    mode: plan.selection.mode,
    workflowRuns: [],
    pages: 0,
    stopReason: "done",
    notFound: [],
    probablyResumed: [],
    unreportedPossible: false,
  };
  const run: RunContext = { ...context, signal: requestSignal(context) };
  const steps = plan.selection.mode === "ids" ? idSteps(plan, run, report) : cursorSteps(plan, run, report);
  const progress = { pages: 0, resumed: 0, handled: 0 };
  const pageDone = (runs: number, handled: number) => {
    progress.pages += 1;
    progress.resumed += runs;
    progress.handled += handled;
    // Progress is a courtesy: it must never hold up or break the work it reports on.
    try {
      context.onPage?.({ ...progress, ...(steps.total === undefined ? {} : { total: steps.total }) });
    } catch {}
  };
  try {
    for (;;) {
      if (steps.finished()) break;
      const stop = boundReached(plan, context, report);
      if (stop) {
        report.stopReason = stop;
        break;
      }
      const runs =
        plan.maxRuns === undefined ? Number.POSITIVE_INFINITY : plan.maxRuns - report.workflowRuns.length;
      const { pages, failure } = await steps.run({ runs, pages: plan.maxPages - report.pages }, pageDone);
      // Pages go into the report in list order, whatever order they finished in.
      for (const page of pages) {
        report.pages += 1;
        report.workflowRuns.push(...page.workflowRuns);
      }
      if (failure) throw failure;
    }
  } catch (error) {
    const failure = asQStashError(error);
    if (failure.kind !== "aborted") {
      report.stopReason = "error";
      report.error = failure;
    } else if (context.signal?.aborted) {
      report.stopReason = "cancelled";
    } else {
      // Cut off at the deadline: the request in flight may have done its work unseen.
      report.stopReason = "deadline";
      report.unreportedPossible = true;
    }
  }
  if (report.stopReason !== "done" && !steps.finished()) report.cursor = steps.cursor() ?? FROM_START_CURSOR;
  return report;
}

/** The caller's cancellation, and the deadline plus a grace for the request in flight. */
function requestSignal(context: RunContext): AbortSignal | undefined {
  if (context.deadlineAt === undefined) return context.signal;
  const deadline = AbortSignal.timeout(Math.max(0, context.deadlineAt - Date.now()) + DEADLINE_GRACE_MS);
  return context.signal ? AbortSignal.any([context.signal, deadline]) : deadline;
}

function boundReached(plan: ResumePlan, context: RunContext, report: ResumeReport): StopReason | undefined {
  if (context.signal?.aborted) return "cancelled";
  if (report.pages >= plan.maxPages) return "maxPages";
  if (plan.maxRuns !== undefined && report.workflowRuns.length >= plan.maxRuns) return "maxRuns";
  if (context.deadlineAt !== undefined && Date.now() >= context.deadlineAt) return "deadline";
  return undefined;
}

/** A resume request's value; a lost answer on the way is remembered in the report. */
function settleResume<T>(outcome: Attempted<T>, report: ResumeReport): T {
  if (outcome.uncertain) report.unreportedPossible = true;
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/** A read-only request's value: a lost answer there changed nothing. */
function settleRead<T>(outcome: Attempted<T>): T {
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

function cursorSteps(plan: ResumePlan, context: RunContext, report: ResumeReport): Steps {
  let cursor = plan.cursor;
  let started = false;
  return {
    finished: () => started && cursor === undefined,
    cursor: () => cursor,
    async run(limits, pageDone) {
      const sent = cursor;
      // Clamped only under a run cap, so that without one the query is the official client's.
      const count = Math.min(plan.count ?? DEFAULT_BULK_COUNT, limits.runs);
      const outcome = await withRetries(
        () =>
          context.api.resume(plan.selection, { count, cursor: sent }, plan.options, {
            signal: context.signal,
            onRequest: context.onRequest,
          }),
        context.retry,
        context,
      );
      // A lost answer on a cursor page: its runs left the DLQ unlisted; the same cursor goes on after them.
      const page = settleResume(outcome, report);
      started = true;
      cursor = page.cursor;
      pageDone(page.workflowRuns.length, page.workflowRuns.length);
      if (page.cursor !== undefined && page.cursor === sent) {
        return {
          pages: [page],
          failure: new QStashError(
            "protocol",
            "QStash returned the same cursor it was sent, so paging would never end; stopped. Retry later, or narrow the filter.",
          ),
        };
      }
      return { pages: [page] };
    },
  };
}

function idSteps(plan: ResumePlan, context: RunContext, report: ResumeReport): Steps {
  if (plan.selection.mode !== "ids") throw new Error("idSteps needs an ids selection");
  const ids = plan.selection.dlqIds;
  const concurrency = Math.max(1, plan.concurrency ?? 1);
  let offset = plan.idProgress?.offset ?? 0;
  // Indexes past the offset already handled, by earlier calls or by batches of this one.
  const done = new Set<number>();
  for (const [start, end] of plan.idProgress?.done ?? [])
    for (let index = start; index < end; index++) done.add(index);
  const advance = () => {
    while (done.delete(offset)) offset++;
  };
  return {
    total: ids.length - offset - done.size,
    finished: () => offset >= ids.length,
    cursor: () => encodeIdCursor({ offset, done: rangesOf(done) }, ids),
    async run(limits, pageDone) {
      const batches: number[][] = [];
      let scan = offset;
      let runsLeft = limits.runs;
      while (batches.length < limits.pages && runsLeft > 0) {
        const batch = nextBatch(ids, done, scan, Math.min(MAX_RUNS_PER_RESUME_REQUEST, runsLeft));
        if (batch.length === 0) break;
        batches.push(batch);
        scan = (batch.at(-1) as number) + 1;
        runsLeft -= batch.length;
      }
      // A sliding window: a new batch starts as soon as one finishes, until something fails or
      // the call runs out of time.
      const outcomes: ({ value: BatchOutcome } | { error: QStashError } | undefined)[] = [];
      let next = 0;
      let stopLaunching = false;
      const worker = async () => {
        while (!stopLaunching && next < batches.length) {
          if (
            context.signal?.aborted ||
            (context.deadlineAt !== undefined && Date.now() >= context.deadlineAt)
          ) {
            stopLaunching = true;
            break;
          }
          const index = next++;
          const batch = (batches[index] as number[]).map((position) => ids[position] as string);
          try {
            const value = await resumeBatch(batch, plan.options, context, report);
            outcomes[index] = { value };
            pageDone(value.page.workflowRuns.length, batch.length);
          } catch (error) {
            stopLaunching = true;
            outcomes[index] = { error: asQStashError(error) };
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
      const pages: ResumePage[] = [];
      let failure: QStashError | undefined;
      outcomes.forEach((outcome, index) => {
        if (outcome === undefined) return;
        if ("error" in outcome) {
          failure ??= outcome.error;
          return;
        }
        pages.push(outcome.value.page);
        report.notFound.push(...outcome.value.notFound);
        report.probablyResumed.push(...outcome.value.probablyResumed);
        for (const position of batches[index] as number[]) done.add(position);
      });
      advance();
      return failure ? { pages, failure } : { pages };
    },
  };
}

/**
 * The indexes of up to `size` ids from `start` that no earlier batch handled, fewer when long
 * ids would make the query too long to send.
 */
function nextBatch(ids: readonly string[], done: ReadonlySet<number>, start: number, size: number): number[] {
  const batch: number[] = [];
  let queryChars = 0;
  for (let index = start; index < ids.length && batch.length < size; index++) {
    if (done.has(index)) continue;
    const chars = `dlqIds=${encodeURIComponent(ids[index] as string)}&`.length;
    if (batch.length > 0 && queryChars + chars > MAX_QUERY_CHARS) break;
    batch.push(index);
    queryChars += chars;
  }
  return batch;
}

interface BatchOutcome {
  page: ResumePage;
  notFound: string[];
  probablyResumed: string[];
}

/** Existence checks after a 404 run this many at a time, per batch. */
const LOOKUP_CONCURRENCY = 8;

/**
 * Resumes one batch of ids. The server refuses a whole batch when any id is missing, so on a 404
 * the batch is checked id by id and what is still in the DLQ is sent again. Ids that vanished
 * after an attempt whose answer was lost were most likely resumed by that attempt.
 */
async function resumeBatch(
  batch: string[],
  options: ResumeOptions,
  context: RunContext,
  report: ResumeReport,
): Promise<BatchOutcome> {
  const send = (dlqIds: string[]) =>
    withRetries(
      () =>
        context.api.resume({ mode: "ids", dlqIds }, {}, options, {
          signal: context.signal,
          onRequest: context.onRequest,
        }),
      context.retry,
      context,
    );
  const outcome: BatchOutcome = { page: { workflowRuns: [] }, notFound: [], probablyResumed: [] };
  const first = await send(batch);
  if (first.ok || first.error.kind !== "notFound") {
    // Ids whose request failed for good stay at the cursor; a continuation sorts them out.
    outcome.page = settleResume(first, report);
    return outcome;
  }
  // From here on any exit must keep the lost answer in mind, even if a lookup fails.
  if (first.uncertain) report.unreportedPossible = true;
  const lookups = await mapWithConcurrency(batch, LOOKUP_CONCURRENCY, (id) =>
    withRetries(
      () => context.api.get(id, { signal: context.signal, onRequest: context.onRequest }),
      context.retry,
      context,
    ),
  );
  const present: string[] = [];
  batch.forEach((id, index) => {
    const found = settleRead(lookups[index] as Attempted<unknown>);
    if (found !== undefined) present.push(id);
    else if (first.uncertain) outcome.probablyResumed.push(id);
    else outcome.notFound.push(id);
  });
  if (present.length > 0) outcome.page = settleResume(await send(present), report);
  return outcome;
}
