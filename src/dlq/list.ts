/**
 * Reads DLQ pages until the server runs out or the page bound is reached. Read-only: it never
 * changes the DLQ, so errors after the first page simply end the listing early.
 */
import { QStashError } from "../qstash/errors.js";
import type { DlqMessage } from "../wire/types.js";
import type { DlqApi } from "./api.js";
import type { DlqFilter } from "./request.js";
import type { StopReason } from "./resume.js";

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

export async function runList(api: DlqApi, plan: ListPlan, signal?: AbortSignal): Promise<ListReport> {
  const report: ListReport = { messages: [], pages: 0, stopReason: "done" };
  let cursor = plan.cursor;
  try {
    do {
      if (signal?.aborted) {
        report.stopReason = "cancelled";
        break;
      }
      if (report.pages >= plan.maxPages) {
        report.stopReason = "maxPages";
        break;
      }
      const sent = cursor;
      const page = await api.list(plan.filter, { count: plan.count, cursor }, signal);
      report.pages += 1;
      report.messages.push(...page.messages);
      if (page.cursor !== undefined && page.cursor === sent) {
        throw new QStashError("protocol", "QStash returned the same cursor it was sent; stopped listing.");
      }
      cursor = page.cursor;
    } while (cursor !== undefined);
  } catch (error) {
    const failure = error instanceof QStashError ? error : new QStashError("protocol", String(error));
    report.stopReason = failure.kind === "aborted" ? "cancelled" : "error";
    if (failure.kind !== "aborted") report.error = failure;
  }
  if (report.stopReason !== "done" && cursor !== undefined) report.cursor = cursor;
  return report;
}
