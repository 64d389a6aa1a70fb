/**
 * Reads DLQ pages into a sink until the server runs out or a bound is reached. Read-only: it
 * never changes the DLQ, so retries are always safe and a failure after the first page simply
 * ends the listing early. A sink that fills up mid-page stops the listing there, and the
 * continuation reads that page again and goes on after the last entry taken from it.
 *
 * The continuation is anchored on that entry, never on its index: between two calls entries
 * leave (resumed, deleted) and arrive (new failures, newest first at the top of the first page,
 * which has no QStash cursor to hold it still), and an index then points at another entry, so the
 * listing would repeat entries or pass over them.
 */
import type { QStashError } from "../qstash/errors.js";
import type { DlqFilter } from "../qstash/request.js";
import type { DlqMessage } from "../wire/types.js";
import { runPages } from "./pages.js";
import type { CallScope, StopReason } from "./scope.js";
import { matcher, type Where } from "./where.js";

/** Ids an anchor names at most: entries of one millisecond beyond this are told apart by time alone. */
const MAX_ANCHOR_IDS = 20;
/** A longer id is left out of an anchor, so that a cursor stays small whatever QStash sends. */
const MAX_ANCHOR_ID_CHARS = 200;

/**
 * Where a listing cut a page short. The next call re-reads that page (at the same QStash cursor)
 * and goes on after the anchor entry; when that entry has left the DLQ meanwhile, it goes on after
 * the entries at or before the anchor's time in the page's order.
 */
export interface ListAnchor {
  /**
   * The entries taken from the page that share the anchor's createdAt, in page order; the last
   * is the anchor, the last entry taken. Only the anchor when times could not be read.
   */
  dlqIds: string[];
  /** The anchor's createdAt; absent when the page's times could not be read. */
  createdAt?: number;
  /** More entries at that time were taken than `dlqIds` names: every entry at that time was. */
  allAtTime?: boolean;
  /** The page's order, when its times told it (QStash lists newest first; an emulator may not). */
  order?: "newestFirst" | "oldestFirst";
  /** How many entries of the page were taken: the last resort when neither ids nor time place the cut. */
  index: number;
}

export interface ListPlan {
  filter?: DlqFilter;
  count: number;
  maxPages: number;
  /** QStash's cursor of the first page. */
  from?: string;
  /** Where an earlier call cut the first page short. */
  after?: ListAnchor;
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
  continuation?: { next?: string; after?: ListAnchor };
  error?: QStashError;
}

export async function runList(plan: ListPlan, scope: CallScope, sink: ListSink): Promise<ListReport> {
  let returned = 0;
  let scanned = 0;
  const where = plan.where ? matcher(plan.where) : () => true;
  // A run id is held to exactly that run here too: the list endpoint is not documented to match a
  // prefix, as the bulk endpoints are, but nothing says it does not (docs/qstash-uncertain.md).
  const runId = plan.filter?.workflowRunId;
  const matches = (message: DlqMessage) =>
    (runId === undefined || message.workflowRunId === runId) && where(message);
  const placer = plan.after ? placeAfter(plan.after) : undefined;
  let first = true;
  let cut: ListAnchor | undefined;
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
      const firstPage = first;
      first = false;
      const placed = placer?.(messages, firstPage) ?? { from: 0, takenBefore: () => false };
      for (let index = placed.from; index < messages.length; index++) {
        const message = messages[index] as DlqMessage;
        // An earlier call of this listing returned it (or passed over it).
        if (placed.takenBefore(message)) continue;
        if (!matches(message)) {
          scanned += 1;
          continue;
        }
        if (!sink.add(message)) {
          // Nothing taken from a continuation's first page: the earlier call's anchor still holds.
          cut = index > 0 ? anchorAt(messages, index) : firstPage ? plan.after : undefined;
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
    // A page cut short is read again from its anchor; a page that failed or was not reached is
    // read whole, unless it is the first page of a continuation, which keeps the anchor it came with.
    const after = outcome.stopReason === "resultSize" ? cut : outcome.pages === 0 ? plan.after : undefined;
    report.continuation = {
      ...(outcome.next === undefined ? {} : { next: outcome.next }),
      ...(after === undefined ? {} : { after }),
    };
  }
  return report;
}

const timeOf = (message: DlqMessage): number | undefined =>
  Number.isSafeInteger(message.createdAt) ? message.createdAt : undefined;

/** The anchor of a page cut before `index`: every entry before it was taken. */
function anchorAt(messages: readonly DlqMessage[], index: number): ListAnchor {
  const last = messages[index - 1] as DlqMessage;
  const createdAt = timeOf(last);
  const fits = (id: string) => id.length <= MAX_ANCHOR_ID_CHARS;
  if (createdAt === undefined) return { dlqIds: fits(last.dlqId) ? [last.dlqId] : [], index };
  const tied = messages
    .slice(0, index)
    .filter((message) => message.createdAt === createdAt)
    .map((message) => message.dlqId);
  const named = tied.filter(fits).slice(-MAX_ANCHOR_IDS);
  const order = orderOf(messages);
  return {
    dlqIds: named,
    createdAt,
    // Some taken at that time go unnamed: every entry at that time is then taken as read.
    ...(named.length < tied.length ? { allAtTime: true } : {}),
    ...(order === undefined ? {} : { order }),
    index,
  };
}

/** Which way a page runs, from its first and last readable times; undefined when they are equal. */
function orderOf(messages: readonly DlqMessage[]): ListAnchor["order"] {
  const times = messages.map(timeOf).filter((time) => time !== undefined);
  const [head, tail] = [times[0], times.at(-1)];
  if (head === undefined || tail === undefined || head === tail) return undefined;
  return head > tail ? "newestFirst" : "oldestFirst";
}

interface Placed {
  /** Entries before this index were taken by an earlier call. */
  from: number;
  /** Whether an entry from `from` on was taken by an earlier call all the same. */
  takenBefore(message: DlqMessage): boolean;
}

/**
 * Places a continuation's pages against the anchor of the call before. A page holding one of the
 * anchor's ids is read after the last of them: everything before it there was taken, or arrived
 * behind the listing. Without them (the anchor left the DLQ, or new entries pushed it to a later
 * page) the page is placed by time: entries at or before the anchor in the page's order were
 * taken. That goes on over pages of such entries only (new arrivals on the first page) and ends
 * with the first page that has an entry past the anchor: the entries after the anchor's place
 * are never read against its time, which a listing ordered by something else than createdAt (as
 * QStash may order by when an entry entered the DLQ) could not bear.
 */
function placeAfter(anchor: ListAnchor): (messages: readonly DlqMessage[], firstPage: boolean) => Placed {
  const ids = new Set(anchor.dlqIds);
  const at = anchor.createdAt;
  let watching = ids.size > 0;
  let byTime = at !== undefined;
  const takenBefore = (message: DlqMessage): boolean => {
    const time = timeOf(message);
    if (at === undefined || time === undefined) return false;
    if (time === at) return anchor.allAtTime === true || ids.has(message.dlqId);
    // Entries other than the anchor's time can be placed only when the page's order was known:
    // when it was not, every entry taken shared that time.
    if (anchor.order === "newestFirst") return time > at;
    if (anchor.order === "oldestFirst") return time < at;
    return false;
  };
  const none: Placed = { from: 0, takenBefore: () => false };
  return (messages, firstPage) => {
    if (watching) {
      let last = -1;
      messages.forEach((message, index) => {
        if (ids.has(message.dlqId)) last = index;
      });
      if (last >= 0) {
        watching = false;
        byTime = false;
        return { from: last + 1, takenBefore: () => false };
      }
    }
    if (byTime) {
      if (messages.some((message) => !takenBefore(message))) byTime = false;
      return { from: 0, takenBefore };
    }
    // Neither ids nor times place the cut: the page the call before cut is read from where it was cut.
    if (firstPage && at === undefined)
      return { from: Math.min(anchor.index, messages.length), takenBefore: () => false };
    return none;
  };
}
