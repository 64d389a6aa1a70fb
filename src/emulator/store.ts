/**
 * The emulated Workflow DLQ as the endpoints call it: listing and selecting entries, resuming,
 * restarting and deleting them in batches or one by one, and retrying or cancelling failure
 * callbacks. The entries themselves are kept by `entries.ts`, the runs redriven by `redrive.ts`.
 */
import type { DlqMessage, FailureFunctionState, WorkflowRunRef } from "../wire/types.js";
import { decodeCursor, encodeCursor, type SortKey, START_CURSOR } from "./cursors.js";
import { DlqEntries } from "./entries.js";
import { type DlqFilter, failureFunctionStateOf, type RunIdMatch, type Selection } from "./filters.js";
import type { DeliveryOptions, FlowControl } from "./flow-control.js";
import { type Quirks, REALISTIC_QUIRKS } from "./quirks.js";
import {
  type RedriveAction,
  Redriver,
  type RefailOptions,
  type ResumedRecord,
  type ResumeOverrides,
  validateRefail,
} from "./redrive.js";

/** What retrying an entry's failure callback did, or why it could not. */
export type CallbackRetry =
  | { status: "retried"; run: WorkflowRunRef }
  | { status: "notFound" }
  | { status: "refused"; state: FailureFunctionState | undefined };

export interface DlqStoreOptions {
  /** QStash's looser answers (`quirks.ts`); all on unless switched off. */
  quirks?: Quirks;
  refail?: RefailOptions;
  /**
   * Run what is resumed: new runs wait in their flow-control key's waitlist, are delivered at
   * its pace, and succeed or fail when they have run. Without it a run's fate is decided the
   * moment it is resumed.
   */
  delivery?: DeliveryOptions;
  /**
   * A retried failure callback fails again at once, as one whose endpoint is still broken does:
   * the entry reads CALLBACK_FAIL again before anyone can look, and only `callbackRetries` shows
   * that the retry ran. Without it a retried callback stays in progress.
   */
  callbackRetriesFail?: boolean;
}

export type DlqStoreErrorCode = "not_found" | "invalid_cursor";

export class DlqStoreError extends Error {
  constructor(
    readonly code: DlqStoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DlqStoreError";
  }
}

export interface BatchResult<T> {
  items: T[];
  /** Present only when more matching entries remain after this batch. */
  cursor?: string;
}

function setCallbackState(message: DlqMessage, state: FailureFunctionState): void {
  message.failureFunctionState = state;
  message.failureCallbackInfo = { ...message.failureCallbackInfo, state };
}

/**
 * The emulated Workflow DLQ. Entries are kept by key (createdAt ascending, then dlqId) and served
 * newest first, as QStash lists them; oldest first with the `newestFirst` quirk off.
 */
export class DlqStore {
  /** Every failure callback retried since the last load, in order. */
  readonly callbackRetries: { dlqId: string; at: number }[] = [];
  private readonly entries = new DlqEntries();
  private readonly runs: Redriver;
  private readonly callbackRetriesFail: boolean;

  /** How this emulator answers where QStash is looser than a tidy reading of its docs. */
  readonly quirks: Quirks;

  constructor(messages: readonly DlqMessage[] = [], options: DlqStoreOptions = {}) {
    const refail = options.refail ? validateRefail(options.refail) : undefined;
    this.callbackRetriesFail = options.callbackRetriesFail ?? false;
    this.quirks = options.quirks ?? REALISTIC_QUIRKS;
    this.runs = new Redriver(this.entries, refail, options.delivery);
    this.load(messages);
  }

  /** Every run resumed or restarted since the last load, in order. */
  get resumed(): ResumedRecord[] {
    return this.runs.resumed;
  }

  /** Flow-control keys and their waitlists, as the flow-control endpoints serve them. */
  get flowControl(): FlowControl {
    return this.runs.flowControl;
  }

  /** Stops delivering: runs waiting or running stay as they are. */
  close(): void {
    this.runs.close();
  }

  /**
   * Replaces the contents and forgets earlier resumes; the re-failure setting stays. The message
   * objects are kept, not copied: copying a large generated DLQ would dominate start-up. Pass
   * copies to keep yours apart.
   */
  load(messages: readonly DlqMessage[]): void {
    this.entries.load(messages);
    this.callbackRetries.length = 0;
    this.runs.reset();
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * New failures entering the DLQ, as they do while an incident is in full swing. Each keeps the
   * createdAt it is given: QStash does not promise that an entry becomes visible in the order of
   * its time, so a test may add one that is older than entries already there.
   */
  add(messages: readonly DlqMessage[]): void {
    this.entries.add(messages);
  }

  /** The matching entries in the order the list endpoint serves them. */
  list(filter: DlqFilter = {}): DlqMessage[] {
    const matching = this.entries.matching(filter);
    return this.quirks.newestFirst ? matching.reverse() : matching;
  }

  get(dlqId: string): DlqMessage | undefined {
    return this.entries.get(dlqId);
  }

  has(dlqId: string): boolean {
    return this.entries.has(dlqId);
  }

  delete(dlqId: string): boolean {
    return this.entries.remove([dlqId]) === 1;
  }

  /**
   * Up to `limit` matching entries strictly after `after` in listing order (older, newest first),
   * and whether more match beyond them. Scans one entry past the page so a cursor is only handed
   * out when it leads somewhere.
   */
  page(
    filter: DlqFilter,
    limit: number,
    after?: SortKey,
    runId: RunIdMatch = "exact",
  ): { entries: DlqMessage[]; hasMore: boolean } {
    return this.entries.page(filter, limit, after, runId, this.quirks.newestFirst);
  }

  /**
   * Entries the list endpoint serves now (a filter's `workflowRunId` matched exactly), or that a
   * bulk request would act on, without changing anything. A request by ids acts on every id it
   * names, whatever `limit`, and so takes no cursor and returns none.
   */
  select(
    selection: Selection,
    limit: number,
    cursor?: string,
    runId: RunIdMatch = "exact",
  ): BatchResult<DlqMessage> {
    const { items, cursor: next } = this.take(selection, limit, cursor, runId);
    return next === undefined ? { items } : { items, cursor: next };
  }

  /**
   * How the bulk endpoints (resume, restart, delete) match a filter's `workflowRunId`. The earlier
   * REST pages of bulk resume and bulk restart (upstash/docs, workflow/rest/dlq/bulk-resume.mdx,
   * bulk-restart.mdx) say "Run ID or ID prefix"; the current OpenAPI only says "by workflow run
   * ID". Delete by filter shares their query, so it is taken to match the same way. The list
   * endpoint's pages (workflow/rest/dlq/list.mdx and the OpenAPI) never mention a prefix, so the
   * emulator lists by the exact id: a server must not rely on either.
   */
  private get bulkRunIdMatch(): RunIdMatch {
    return this.quirks.runIdPrefix ? "prefix" : "exact";
  }

  /**
   * The entries a request takes, and for ids the ones it names that are not in the DLQ. Without
   * `partialIdBatches` one missing id fails the request before any side effect.
   */
  private take(
    selection: Selection,
    limit: number,
    cursor: string | undefined,
    runId: RunIdMatch,
  ): BatchResult<DlqMessage> & { missing: string[] } {
    if (selection.mode === "ids") {
      if (cursor !== undefined) {
        throw new DlqStoreError(
          "invalid_cursor",
          "cursor is not accepted with dlqIds: a request by ids acts on every id it names",
        );
      }
      const ids = [...new Set(selection.dlqIds)];
      const missing = ids.filter((id) => !this.entries.has(id));
      if (missing.length > 0 && !this.quirks.partialIdBatches) {
        throw new DlqStoreError("not_found", "some DLQ messages were not found");
      }
      const items = ids.flatMap((id) => this.entries.get(id) ?? []);
      return { items, missing };
    }

    const after = cursor === undefined || cursor === START_CURSOR ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && cursor !== START_CURSOR && after === undefined)
      throw new DlqStoreError("invalid_cursor", "invalid cursor");
    const filter = selection.mode === "filter" ? selection.filter : {};
    const { entries, hasMore } = this.page(filter, limit, after, runId);
    const last = entries[entries.length - 1];
    if (!hasMore || last === undefined) return { items: entries, missing: [] };
    return {
      items: entries,
      cursor: encodeCursor({ createdAt: last.createdAt, dlqId: last.dlqId }),
      missing: [],
    };
  }

  /**
   * Resumes a batch: the entries leave the DLQ and each gets a new run. `receivedAt` is when the
   * request arrived; a run that fails again re-enters the DLQ strictly after it. The cursor is
   * decided when the entries are taken, so a re-entry (newer than every entry taken) is never on
   * a later page when listing newest first, and only on one that exists oldest first.
   *
   * By ids with `partialIdBatches`, the ids found are acted on and the answer is still the 404
   * "Some DLQ messages were not found", which does not say whether the rest were (shared QStash
   * notes, "Answers as they really come"): the client cannot tell what the request did.
   */
  resume(
    selection: Selection,
    limit: number,
    cursor: string | undefined,
    overrides: ResumeOverrides = {},
    receivedAt = Date.now(),
    action: RedriveAction = "resume",
  ): BatchResult<WorkflowRunRef> {
    const batch = this.take(selection, limit, cursor, this.bulkRunIdMatch);
    const runs = this.runs.redrive(action, batch.items, overrides, receivedAt);
    if (batch.missing.length > 0) throw new DlqStoreError("not_found", "some DLQ messages were not found");
    return batch.cursor === undefined ? { items: runs } : { items: runs, cursor: batch.cursor };
  }

  resumeById(
    dlqId: string,
    overrides: ResumeOverrides = {},
    receivedAt = Date.now(),
    action: RedriveAction = "resume",
  ): WorkflowRunRef | undefined {
    const message = this.entries.get(dlqId);
    return message ? this.runs.redrive(action, [message], overrides, receivedAt)[0] : undefined;
  }

  /**
   * Retries the failure callback of an entry whose callback failed; the entry stays in the DLQ
   * with its callback in progress, or failed again with `callbackRetriesFail`. Any other state
   * (none, in progress, succeeded, cancelled) is refused, as QStash refuses it.
   */
  retryCallback(dlqId: string, receivedAt = Date.now()): CallbackRetry {
    const message = this.entries.get(dlqId);
    if (!message) return { status: "notFound" };
    const state = failureFunctionStateOf(message);
    if (state !== "CALLBACK_FAIL") return { status: "refused", state };
    setCallbackState(message, this.callbackRetriesFail ? "CALLBACK_FAIL" : "CALLBACK_INPROGRESS");
    this.callbackRetries.push({ dlqId, at: Math.max(Date.now(), receivedAt) });
    return {
      status: "retried",
      run: {
        workflowRunId: message.workflowRunId ?? `wfr_${message.dlqId}`,
        workflowCreatedAt: message.workflowCreatedAt ?? message.createdAt,
      },
    };
  }

  /** Cancels a failure callback in progress; false when none is. */
  cancelCallback(dlqId: string): boolean | undefined {
    const message = this.entries.get(dlqId);
    if (!message) return undefined;
    if (failureFunctionStateOf(message) !== "CALLBACK_INPROGRESS") return false;
    setCallbackState(message, "CALLBACK_CANCELED");
    return true;
  }

  /**
   * By ids with `partialIdBatches`, the ids found are deleted and counted: the OpenAPI documents
   * no 404 for bulk delete, only `deleted`, "the number of workflow runs that were deleted".
   */
  deleteSelection(
    selection: Selection,
    limit: number,
    cursor?: string,
  ): { deleted: number; cursor?: string } {
    const batch = this.take(selection, limit, cursor, this.bulkRunIdMatch);
    const deleted = this.entries.remove(batch.items.map((m) => m.dlqId));
    return batch.cursor === undefined ? { deleted } : { deleted, cursor: batch.cursor };
  }
}
