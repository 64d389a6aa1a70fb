/**
 * Reads DLQ pages until the server runs out or a bound is reached. Read-only: it never changes
 * the DLQ, so a failure after the first page simply ends the listing early.
 */
import { asQStashError, QStashError } from "../qstash/errors.js";
import type { DlqMessage } from "../wire/types.js";
import type { DlqFilter } from "./request.js";
import type { RunContext, StopReason } from "./resume.js";
import { withRetries } from "./retry.js";

export interface ListPlan {
  filter?: DlqFilter;
  count?: number;
  cursor?: string;
  maxPages: number;
}

export interface ListReport {
  messages: DlqMessage[];
  pages: number;
  stopReason: StopReason;
  cursor?: string;
  error?: QStashError;
}

export async function runList(plan: ListPlan, context: Omit<RunContext, "onPage">): Promise<ListReport> {
  const report: ListReport = { messages: [], pages: 0, stopReason: "done" };
  let cursor = plan.cursor;
  try {
    do {
      if (context.signal?.aborted) {
        report.stopReason = "cancelled";
        break;
      }
      if (report.pages >= plan.maxPages) {
        report.stopReason = "maxPages";
        break;
      }
      if (context.deadlineAt !== undefined && Date.now() >= context.deadlineAt) {
        report.stopReason = "deadline";
        break;
      }
      const sent = cursor;
      const outcome = await withRetries(
        () =>
          context.api.list(
            plan.filter,
            { count: plan.count, cursor: sent },
            {
              signal: context.signal,
              onRequest: context.onRequest,
            },
          ),
        context.retry,
        context,
      );
      if (!outcome.ok) throw outcome.error;
      report.pages += 1;
      report.messages.push(...outcome.value.messages);
      if (outcome.value.cursor !== undefined && outcome.value.cursor === sent) {
        throw new QStashError("protocol", "QStash returned the same cursor it was sent; stopped listing.");
      }
      cursor = outcome.value.cursor;
    } while (cursor !== undefined);
  } catch (error) {
    const failure = asQStashError(error);
    report.stopReason = failure.kind === "aborted" ? "cancelled" : "error";
    if (failure.kind !== "aborted") report.error = failure;
  }
  if (report.stopReason !== "done" && cursor !== undefined) report.cursor = cursor;
  return report;
}
