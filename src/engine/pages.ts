/**
 * The one page loop: follows QStash's cursor page by page until the server runs out or a bound
 * is reached. Listing, resuming by filter or all, and dry runs all go through it; what differs
 * is how a page is fetched and what is done with it.
 */
import { asQStashError, QStashError } from "../qstash/errors.js";
import type { Attempted } from "./retry.js";
import type { CallScope, StopReason } from "./scope.js";

export interface Fetched<P> {
  page: P;
  /** QStash's cursor for the page after this one; absent when this was the last. */
  next?: string;
  /** The page is readable but something else is wrong: keep the page, then stop. */
  problem?: QStashError;
}

export interface PageLoop<P> {
  scope: CallScope;
  maxPages: number;
  /** QStash's cursor of the first page; absent from the start. */
  from?: string;
  /** One request for the page at `cursor`, with the scope's retries. */
  fetch(cursor: string | undefined): Promise<Attempted<Fetched<P>>>;
  /** A bound other than pages and time, checked before each page (a run cap, the result size). */
  bound?(): StopReason | undefined;
  /**
   * Takes a page. It may stop the loop: `again` means the page was only partly taken, so the
   * continuation must read it once more.
   */
  take(page: P, cursor: string | undefined): { stop: StopReason; again?: boolean } | undefined;
}

export interface PageLoopOutcome {
  pages: number;
  stopReason: StopReason;
  /** QStash's cursor to continue from; absent when done, or when work remains from `from` unset. */
  next?: string;
  /** Whether work remains: the continuation starts at `next` (or the start when it is unset). */
  remaining: boolean;
  error?: QStashError;
  /** A request's outcome is unknown: it may have been processed. */
  uncertain: boolean;
}

export async function runPages<P>(loop: PageLoop<P>): Promise<PageLoopOutcome> {
  const outcome: PageLoopOutcome = { pages: 0, stopReason: "done", remaining: true, uncertain: false };
  let cursor = loop.from;
  if (cursor !== undefined) outcome.next = cursor;
  // A cursor QStash hands out twice would page forever (A → B → A as much as A → A).
  const seen = new Set<string>(cursor === undefined ? [] : [cursor]);
  for (;;) {
    const halt =
      loop.scope.halted() ?? (outcome.pages >= loop.maxPages ? "maxPages" : undefined) ?? loop.bound?.();
    if (halt) {
      outcome.stopReason = halt;
      return outcome;
    }
    const sent = cursor;
    let attempted: Attempted<Fetched<P>>;
    try {
      attempted = await loop.fetch(sent);
    } catch (error) {
      attempted = { ok: false, error: asQStashError(error), uncertain: false };
    }
    if (attempted.uncertain) outcome.uncertain = true;
    if (!attempted.ok) {
      outcome.stopReason = loop.scope.stopReasonFor(attempted.error);
      if (outcome.stopReason === "error") outcome.error = attempted.error;
      return outcome;
    }
    const { page, next, problem } = attempted.value;
    outcome.pages += 1;
    const taken = loop.take(page, sent);
    if (taken) {
      outcome.stopReason = taken.stop;
      if (!taken.again) setNext(outcome, next);
      // A bound met on the last page leaves nothing to continue.
      if (!outcome.remaining) outcome.stopReason = "done";
      return outcome;
    }
    if (problem) {
      outcome.stopReason = "error";
      outcome.error = problem;
      return outcome;
    }
    if (next !== undefined && seen.has(next)) {
      outcome.stopReason = "error";
      outcome.error = new QStashError(
        "protocol",
        "QStash returned a cursor it had already returned, so paging would never end; stopped. Retry later, or narrow the filter.",
      );
      return outcome;
    }
    setNext(outcome, next);
    if (next === undefined) return outcome;
    seen.add(next);
    cursor = next;
  }
}

function setNext(outcome: PageLoopOutcome, next: string | undefined): void {
  if (next === undefined) {
    delete outcome.next;
    outcome.remaining = false;
  } else {
    outcome.next = next;
  }
}
