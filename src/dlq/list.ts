/**
 * Reads DLQ pages into a sink until the server runs out or a bound is reached. Read-only: it
 * never changes the DLQ, so retries are always safe and a failure after the first page simply
 * ends the listing early. A sink that fills up mid-page stops the listing there, and the
 * continuation reads that page again, skipping what was already returned.
 */
import type { QStashError } from "../qstash/errors.js";
import type { DlqMessage } from "../wire/types.js";
import { runPages } from "./pages.js";
import type { DlqFilter } from "./request.js";
import type { CallScope, StopReason } from "./scope.js";
import { matcher, type Where } from "./where.js";

export interface ListPlan {
  filter?: DlqFilter;
  count: number;
  maxPages: number;
  /** QStash's cursor of the first page. */
  from?: string;
  /** Entries of the first page that an earlier call already returned. */
  skip?: number;
  /** Only entries that match it are offered to the sink. */
  where?: Where;
}

export interface ListSink {
  /** Offers the next message; false when it does not fit, and the listing stops before it. */
  add(message: DlqMessage): boolean;
}

export interface ListReport {
  returned: number;
  /** Entries read, matching `where` or not. */
  scanned: number;
  pages: number;
  stopReason: StopReason;
  /** Present exactly when more may remain: QStash's cursor of the page to read next. */
  continuation?: { next?: string; skip?: number };
  error?: QStashError;
}

export async function runList(plan: ListPlan, scope: CallScope, sink: ListSink): Promise<ListReport> {
  let returned = 0;
  let scanned = 0;
  const matches = plan.where ? matcher(plan.where) : () => true;
  let first = true;
  let skip = 0;
  const outcome = await runPages<DlqMessage[]>({
    scope,
    maxPages: plan.maxPages,
    ...(plan.from === undefined ? {} : { from: plan.from }),
    fetch: async (cursor) => {
      const attempted = await scope.attempt((context) =>
        scope.api.list(plan.filter, { count: plan.count, cursor }, context),
      );
      if (!attempted.ok) return attempted;
      const { messages, cursor: next } = attempted.value;
      return { ok: true, uncertain: false, value: { page: messages, ...(next ? { next } : {}) } };
    },
    take: (messages) => {
      const from = first ? Math.min(plan.skip ?? 0, messages.length) : 0;
      first = false;
      for (let index = from; index < messages.length; index++) {
        const message = messages[index] as DlqMessage;
        if (!matches(message)) {
          scanned += 1;
          continue;
        }
        if (!sink.add(message)) {
          skip = index;
          return { stop: "resultSize", again: true };
        }
        scanned += 1;
        returned += 1;
      }
      return undefined;
    },
  });
  const report: ListReport = { returned, scanned, pages: outcome.pages, stopReason: outcome.stopReason };
  if (outcome.error) report.error = outcome.error;
  if (outcome.remaining) {
    report.continuation = {
      ...(outcome.next === undefined ? {} : { next: outcome.next }),
      // A page that failed or was not reached is read whole; a page cut short is read from where it was cut.
      ...(outcome.stopReason === "resultSize" && skip > 0 ? { skip } : {}),
      ...(outcome.stopReason !== "resultSize" && outcome.pages === 0 && plan.skip ? { skip: plan.skip } : {}),
    };
  }
  return report;
}
