/**
 * Runs a resume plan page by page: id batches of at most 50, or cursor steps for a filter or
 * all. It stops at the page bound, on cancellation or on an error, and always returns what was
 * resumed so far with the cursor that continues the job.
 */
import { QStashError } from "../qstash/errors.js";
import { MAX_RUNS_PER_RESUME_REQUEST, type WorkflowRunRef } from "../wire/types.js";
import type { DlqApi, ResumePage } from "./api.js";
import { encodeIdCursor } from "./id-cursor.js";
import type { ResumeOptions, Selection } from "./request.js";

export type StopReason = "done" | "maxPages" | "cancelled" | "error";

export interface ResumePlan {
  selection: Selection;
  options: ResumeOptions;
  /** Entries per request in filter and all modes. */
  count?: number;
  /** Filter and all modes: the server's cursor to start from. */
  cursor?: string;
  /** Ids mode: how many ids of the list earlier calls already handled. */
  startOffset?: number;
  maxPages: number;
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
  error?: QStashError;
  /** A request whose outcome is unknown may have resumed runs that are not listed. */
  unreportedPossible: boolean;
}

export interface RunHooks {
  signal?: AbortSignal;
  onPage?: (progress: { pages: number; resumed: number; cursor?: string }) => void | Promise<void>;
}

export async function runResume(api: DlqApi, plan: ResumePlan, hooks: RunHooks = {}): Promise<ResumeReport> {
  const report: ResumeReport = {
    mode: plan.selection.mode,
    workflowRuns: [],
    pages: 0,
    stopReason: "done",
    notFound: [],
    unreportedPossible: false,
  };
  const step = plan.selection.mode === "ids" ? idSteps(api, plan, report) : cursorSteps(api, plan);
  let position: string | undefined = plan.selection.mode === "ids" ? undefined : plan.cursor;
  try {
    for (;;) {
      const next = step.position();
      position = next.cursor;
      if (next.finished) break;
      if (hooks.signal?.aborted) {
        report.stopReason = "cancelled";
        break;
      }
      if (report.pages >= plan.maxPages) {
        report.stopReason = "maxPages";
        break;
      }
      const page = await step.run(hooks.signal);
      report.pages += 1;
      report.workflowRuns.push(...page.workflowRuns);
      await hooks.onPage?.({
        pages: report.pages,
        resumed: report.workflowRuns.length,
        cursor: step.position().cursor,
      });
    }
  } catch (error) {
    const failure = error instanceof QStashError ? error : new QStashError("protocol", String(error));
    report.stopReason = failure.kind === "aborted" ? "cancelled" : "error";
    if (failure.kind !== "aborted") report.error = failure;
    report.unreportedPossible = !failure.surelyNotProcessed && plan.selection.mode !== "ids";
  }
  if (report.stopReason !== "done" && position !== undefined) report.cursor = position;
  return report;
}

interface Steps {
  /** Where the job stands: the cursor to continue from, or finished. */
  position(): { finished: boolean; cursor?: string };
  run(signal?: AbortSignal): Promise<ResumePage>;
}

function cursorSteps(api: DlqApi, plan: ResumePlan): Steps {
  let cursor = plan.cursor;
  let started = false;
  return {
    position: () => ({ finished: started && cursor === undefined, cursor }),
    async run(signal) {
      const sent = cursor;
      const page = await api.resume(
        plan.selection,
        { count: plan.count, cursor: sent },
        plan.options,
        signal,
      );
      started = true;
      if (page.cursor !== undefined && page.cursor === sent) {
        throw new QStashError(
          "protocol",
          "QStash returned the same cursor it was sent, so paging would never end; stopped. Retry later, or narrow the filter.",
        );
      }
      cursor = page.cursor;
      return page;
    },
  };
}

function idSteps(api: DlqApi, plan: ResumePlan, report: ResumeReport): Steps {
  if (plan.selection.mode !== "ids") throw new Error("idSteps needs an ids selection");
  const ids = plan.selection.dlqIds;
  let offset = plan.startOffset ?? 0;
  return {
    position: () => ({ finished: offset >= ids.length, cursor: encodeIdCursor(offset, ids) }),
    async run(signal) {
      const batch = ids.slice(offset, offset + MAX_RUNS_PER_RESUME_REQUEST);
      const page = await resumeBatch(api, batch, plan.options, report, signal);
      offset += batch.length;
      return page;
    },
  };
}

/**
 * Resumes one batch of ids. The server refuses a whole batch when any id is missing, so on a 404
 * the batch is checked id by id and what is still in the DLQ is sent again.
 */
async function resumeBatch(
  api: DlqApi,
  batch: string[],
  options: ResumeOptions,
  report: ResumeReport,
  signal?: AbortSignal,
): Promise<ResumePage> {
  try {
    return await api.resume({ mode: "ids", dlqIds: batch }, {}, options, signal);
  } catch (error) {
    if (!(error instanceof QStashError) || error.kind !== "notFound") throw error;
  }
  const present: string[] = [];
  const checks = await mapWithConcurrency(batch, 8, (id) => api.exists(id, signal));
  batch.forEach((id, index) => {
    if (checks[index]) present.push(id);
    else report.notFound.push(id);
  });
  if (present.length === 0) return { workflowRuns: [] };
  return api.resume({ mode: "ids", dlqIds: present }, {}, options, signal);
}

async function mapWithConcurrency<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}
