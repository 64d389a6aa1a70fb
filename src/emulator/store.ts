import type { DlqMessage, FailureFunctionState, WorkflowRunRef } from "../wire/types.js";
import { type DeliveryOptions, FlowControl } from "./flow-control.js";
import { ALNUM, digest, hashedId, URL_SAFE } from "./ids.js";
import { type Quirks, REALISTIC_QUIRKS } from "./quirks.js";

/** Parsed selection fields; several values of one field are ORed, fields are ANDed. */
export interface DlqFilter {
  workflowUrl?: readonly string[];
  workflowRunId?: string;
  workflowCreatedAt?: number;
  label?: readonly string[];
  /** Inclusive lower bound on createdAt, Unix milliseconds. */
  fromDate?: number;
  /** Inclusive upper bound on createdAt, Unix milliseconds. */
  toDate?: number;
  callerIp?: readonly string[];
  flowControlKey?: readonly string[];
  failureFunctionState?: readonly FailureFunctionState[];
  /** The failed step's URL; a filter of the plain QStash DLQ, so only the legacy list path takes it. */
  url?: string;
  /** Like `url`, only on the legacy list path. */
  responseStatus?: number;
}

export type Selection =
  | { mode: "ids"; dlqIds: readonly string[] }
  | { mode: "filter"; filter: DlqFilter }
  | { mode: "all" };

export interface SortKey {
  createdAt: number;
  dlqId: string;
}

/**
 * A cursor means "everything after this entry in listing order", so it survives removal of the
 * entries before it. Listed newest first, "after" is older: a cursor continues toward older
 * entries, as QStash's do (its published list example hands out a cursor older than the entry it
 * follows), and new failures land before it, never on a later page.
 */
export type Cursor = SortKey;

/** How `workflowRunId` in a filter matches: exactly, or as a prefix of the entry's run id. */
export type RunIdMatch = "exact" | "prefix";

export interface ResumeOverrides {
  retries?: number;
  flowControlKey?: string;
  flowControlValue?: string;
  /** The first label Upstash-Label gives. */
  label?: string;
  /** Every label, when Upstash-Label gives several. */
  labels?: string[];
}

/**
 * What a redrive does to a DLQ entry. Both take entries the same way and record them the same
 * way; a restarted run starts over from its first step, a resumed one from the step that failed.
 */
export type RedriveAction = "resume" | "restart";

/** What retrying an entry's failure callback did, or why it could not. */
export type CallbackRetry =
  | { status: "retried"; run: WorkflowRunRef }
  | { status: "notFound" }
  | { status: "refused"; state: FailureFunctionState | undefined };

export interface RefailOptions {
  /** Probability, 0 to 1, that a resumed run fails again and re-enters the DLQ. */
  share: number;
  /** Which runs fail again depends only on this seed and the new run's id; default 1. */
  seed?: number;
}

export interface ResumedRecord extends ResumeOverrides {
  action: RedriveAction;
  /** The entry that was taken out of the DLQ. */
  dlqId: string;
  /** The failed run that entry belonged to. */
  originalWorkflowRunId: string;
  originalWorkflowCreatedAt: number;
  /** The new run, as the answer reported it. */
  workflowRunId: string;
  workflowCreatedAt: number;
  /** When the emulator resumed it, Unix milliseconds. */
  at: number;
  /** Set when the new run failed again: the dlqId of the entry it re-entered the DLQ as. */
  refailedAs?: string;
  /** The entry's workflow and failed step, for the logs the run leaves. */
  workflowUrl?: string;
  stepUrl?: string;
  failStatus?: number;
  failBody?: string;
  label?: string;
  /** With delivery: where the new run is, and when it finished. */
  state?: "RUN_STARTED" | "RUN_SUCCESS" | "RUN_FAILED";
  finishedAt?: number;
}

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

/** With delivery, how often a run fails again: a 4xx mostly persists, anything else mostly clears. */
const PERSISTENT_FAILURE_SHARE = 0.9;
const TRANSIENT_FAILURE_SHARE = 0.1;

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

export function compareKeys(a: SortKey, b: SortKey): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.dlqId < b.dlqId ? -1 : a.dlqId > b.dlqId ? 1 : 0;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(["k", cursor.createdAt, cursor.dlqId]), "utf8").toString("base64url");
}

/** Returns undefined for anything this emulator did not issue. */
export function decodeCursor(value: string): Cursor | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(raw)) return undefined;
  if (raw.length === 3 && raw[0] === "k" && Number.isSafeInteger(raw[1]) && typeof raw[2] === "string") {
    return { createdAt: raw[1], dlqId: raw[2] };
  }
  return undefined;
}

/**
 * A cursor for "from the start", in either order: used when a fault has to hand out a cursor that
 * leads back to the first page.
 */
export const START_CURSOR = Buffer.from(JSON.stringify(["s"]), "utf8").toString("base64url");

function setCallbackState(message: DlqMessage, state: FailureFunctionState): void {
  message.failureFunctionState = state;
  message.failureCallbackInfo = { ...message.failureCallbackInfo, state };
}

function failureFunctionStateOf(message: DlqMessage): FailureFunctionState | undefined {
  return message.failureFunctionState ?? message.failureCallbackInfo?.state;
}

function oneOf<T>(wanted: readonly T[] | undefined, value: T | undefined): boolean {
  return wanted === undefined || (value !== undefined && wanted.includes(value));
}

function runIdMatches(wanted: string, runId: string | undefined, match: RunIdMatch): boolean {
  if (runId === undefined) return false;
  return match === "prefix" ? runId.startsWith(wanted) : runId === wanted;
}

export function matchesFilter(message: DlqMessage, filter: DlqFilter, runId: RunIdMatch = "exact"): boolean {
  if (!oneOf(filter.workflowUrl, message.workflowUrl)) return false;
  if (filter.workflowRunId !== undefined && !runIdMatches(filter.workflowRunId, message.workflowRunId, runId))
    return false;
  if (filter.workflowCreatedAt !== undefined && message.workflowCreatedAt !== filter.workflowCreatedAt)
    return false;
  if (filter.label) {
    const wanted = filter.label;
    const hit =
      (message.label !== undefined && wanted.includes(message.label)) ||
      (message.labels?.some((l) => wanted.includes(l)) ?? false);
    if (!hit) return false;
  }
  if (filter.fromDate !== undefined && message.createdAt < filter.fromDate) return false;
  if (filter.toDate !== undefined && message.createdAt > filter.toDate) return false;
  if (!oneOf(filter.callerIp, message.callerIP)) return false;
  if (!oneOf(filter.flowControlKey, message.flowControlKey)) return false;
  if (!oneOf(filter.failureFunctionState, failureFunctionStateOf(message))) return false;
  if (filter.url !== undefined && message.url !== filter.url) return false;
  if (filter.responseStatus !== undefined && message.responseStatus !== filter.responseStatus) return false;
  return true;
}

/**
 * Also fills in the top-level `failureFunctionState` that newer servers send next to
 * `failureCallbackInfo.state`, so entries loaded in the older shape are served in the newer one.
 */
function validateMessages(messages: readonly DlqMessage[]): DlqMessage[] {
  const seen = new Set<string>();
  for (const m of messages) {
    if (typeof m.dlqId !== "string" || m.dlqId === "") throw new TypeError("every DLQ message needs a dlqId");
    if (!Number.isSafeInteger(m.createdAt)) {
      throw new TypeError(`DLQ message ${m.dlqId} needs an integer createdAt`);
    }
    if (seen.has(m.dlqId)) throw new TypeError(`duplicate dlqId ${m.dlqId}`);
    seen.add(m.dlqId);
    const state = m.failureCallbackInfo?.state;
    if (m.failureFunctionState === undefined && state !== undefined) m.failureFunctionState = state;
  }
  return [...messages].sort(compareKeys);
}

function validateRefail(refail: RefailOptions): Required<RefailOptions> {
  const { share, seed = 1 } = refail;
  if (!(typeof share === "number" && share >= 0 && share <= 1))
    throw new RangeError("refail.share must be a number from 0 to 1");
  if (!Number.isSafeInteger(seed)) throw new RangeError("refail.seed must be an integer");
  return { share, seed };
}

/**
 * The emulated Workflow DLQ. Entries are kept by key (createdAt ascending, then dlqId) and served
 * newest first, as QStash lists them; oldest first with the `newestFirst` quirk off.
 */
export class DlqStore {
  /** Every run resumed or restarted since the last load, in order. */
  readonly resumed: ResumedRecord[] = [];
  /** Every failure callback retried since the last load, in order. */
  readonly callbackRetries: { dlqId: string; at: number }[] = [];
  private entries: DlqMessage[] = [];
  private readonly byId = new Map<string, DlqMessage>();
  /** Every dlqId since the last load, gone ones included: a re-entry must not reuse one. */
  private readonly issuedDlqIds = new Set<string>();
  private readonly refail: Required<RefailOptions> | undefined;
  private readonly delivery: DeliveryOptions | undefined;
  private readonly callbackRetriesFail: boolean;
  private flow: FlowControl;
  /** Runs delivered later, by run id: what they need to fail again. */
  private readonly pending = new Map<
    string,
    { message: DlqMessage; record: ResumedRecord; overrides: ResumeOverrides }
  >();

  /** How this emulator answers where QStash is looser than a tidy reading of its docs. */
  readonly quirks: Quirks;

  constructor(messages: readonly DlqMessage[] = [], options: DlqStoreOptions = {}) {
    this.refail = options.refail ? validateRefail(options.refail) : undefined;
    this.delivery = options.delivery;
    this.callbackRetriesFail = options.callbackRetriesFail ?? false;
    this.quirks = options.quirks ?? REALISTIC_QUIRKS;
    this.flow = this.newFlow();
    this.load(messages);
  }

  /** Flow-control keys and their waitlists, as the flow-control endpoints serve them. */
  get flowControl(): FlowControl {
    return this.flow;
  }

  /** Stops delivering: runs waiting or running stay as they are. */
  close(): void {
    this.flow.close();
  }

  private newFlow(): FlowControl {
    return new FlowControl(this.delivery ?? {}, (workflowRunId) => this.delivered(workflowRunId));
  }

  /**
   * Replaces the contents and forgets earlier resumes; the re-failure setting stays. The message
   * objects are kept, not copied: copying a large generated DLQ would dominate start-up. Pass
   * copies to keep yours apart.
   */
  load(messages: readonly DlqMessage[]): void {
    const sorted = validateMessages(messages);
    this.entries = sorted;
    this.byId.clear();
    this.issuedDlqIds.clear();
    for (const m of sorted) {
      this.byId.set(m.dlqId, m);
      this.issuedDlqIds.add(m.dlqId);
    }
    this.resumed.length = 0;
    this.callbackRetries.length = 0;
    // Runs of the contents before are forgotten with them.
    this.flow.close();
    this.flow = this.newFlow();
    this.pending.clear();
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * New failures entering the DLQ, as they do while an incident is in full swing. Each keeps the
   * createdAt it is given: QStash does not promise that an entry becomes visible in the order of
   * its time, so a test may add one that is older than entries already there.
   */
  add(messages: readonly DlqMessage[]): void {
    for (const message of validateMessages(messages)) {
      if (this.byId.has(message.dlqId)) throw new TypeError(`duplicate dlqId ${message.dlqId}`);
      this.entries.splice(this.indexAfter(message), 0, message);
      this.byId.set(message.dlqId, message);
      this.issuedDlqIds.add(message.dlqId);
    }
  }

  /** The matching entries in the order the list endpoint serves them. */
  list(filter: DlqFilter = {}): DlqMessage[] {
    const matching = this.entries.filter((m) => matchesFilter(m, filter));
    return this.quirks.newestFirst ? matching.reverse() : matching;
  }

  get(dlqId: string): DlqMessage | undefined {
    return this.byId.get(dlqId);
  }

  has(dlqId: string): boolean {
    return this.byId.has(dlqId);
  }

  delete(dlqId: string): boolean {
    return this.removeIds([dlqId]) === 1;
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
    const out: DlqMessage[] = [];
    const newestFirst = this.quirks.newestFirst;
    const step = newestFirst ? -1 : 1;
    let i = newestFirst
      ? (after ? this.lowerBound(after) : this.entries.length) - 1
      : after
        ? this.indexAfter(after)
        : 0;
    for (; i >= 0 && i < this.entries.length; i += step) {
      const message = this.entries[i] as DlqMessage;
      if (!matchesFilter(message, filter, runId)) continue;
      if (out.length === limit) return { entries: out, hasMore: true };
      out.push(message);
    }
    return { entries: out, hasMore: false };
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
      const missing = ids.filter((id) => !this.byId.has(id));
      if (missing.length > 0 && !this.quirks.partialIdBatches) {
        throw new DlqStoreError("not_found", "some DLQ messages were not found");
      }
      const items = ids.flatMap((id) => this.byId.get(id) ?? []);
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
    const runs = this.redrive(action, batch.items, overrides, receivedAt);
    if (batch.missing.length > 0) throw new DlqStoreError("not_found", "some DLQ messages were not found");
    return batch.cursor === undefined ? { items: runs } : { items: runs, cursor: batch.cursor };
  }

  resumeById(
    dlqId: string,
    overrides: ResumeOverrides = {},
    receivedAt = Date.now(),
    action: RedriveAction = "resume",
  ): WorkflowRunRef | undefined {
    const message = this.byId.get(dlqId);
    return message ? this.redrive(action, [message], overrides, receivedAt)[0] : undefined;
  }

  /**
   * Retries the failure callback of an entry whose callback failed; the entry stays in the DLQ
   * with its callback in progress, or failed again with `callbackRetriesFail`. Any other state
   * (none, in progress, succeeded, cancelled) is refused, as QStash refuses it.
   */
  retryCallback(dlqId: string, receivedAt = Date.now()): CallbackRetry {
    const message = this.byId.get(dlqId);
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
    const message = this.byId.get(dlqId);
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
    const deleted = this.removeIds(batch.items.map((m) => m.dlqId));
    return batch.cursor === undefined ? { deleted } : { deleted, cursor: batch.cursor };
  }

  private redrive(
    action: RedriveAction,
    messages: readonly DlqMessage[],
    overrides: ResumeOverrides,
    receivedAt: number,
  ): WorkflowRunRef[] {
    // The OpenAPI describes workflowCreatedAt of a resumed run as when that new run was created:
    // the moment the emulator resumes it, never earlier than the request's arrival.
    const at = Math.max(Date.now(), receivedAt);
    this.removeIds(messages.map((m) => m.dlqId));
    const records = messages.map((message) => {
      const record: ResumedRecord = {
        action,
        dlqId: message.dlqId,
        // Entries loaded without workflow metadata still need a stable run identity.
        originalWorkflowRunId: message.workflowRunId ?? `wfr_${message.dlqId}`,
        originalWorkflowCreatedAt: message.workflowCreatedAt ?? message.createdAt,
        workflowRunId: hashedId("wfr_", URL_SAFE, 21, ["run", action, message.dlqId]),
        workflowCreatedAt: at,
        at,
      };
      if (overrides.retries !== undefined) record.retries = overrides.retries;
      if (overrides.flowControlKey !== undefined) record.flowControlKey = overrides.flowControlKey;
      if (overrides.flowControlValue !== undefined) record.flowControlValue = overrides.flowControlValue;
      if (overrides.label !== undefined) record.label = overrides.label;
      else if (message.label !== undefined) record.label = message.label;
      if (overrides.labels !== undefined) record.labels = overrides.labels;
      if (message.workflowUrl !== undefined) record.workflowUrl = message.workflowUrl;
      if (message.url !== undefined) record.stepUrl = message.url;
      if (message.responseStatus !== undefined) record.failStatus = message.responseStatus;
      if (message.responseBody !== undefined) record.failBody = message.responseBody;
      this.resumed.push(record);
      return { message, record };
    });
    if (this.delivery) {
      for (const { message, record } of records) {
        record.state = "RUN_STARTED";
        this.pending.set(record.workflowRunId, { message, record, overrides });
        this.flow.submit(record.workflowRunId, overrides.flowControlKey, overrides.flowControlValue);
      }
    } else {
      // Delivered at once, but the key is known from now on, as QStash knows it.
      if (overrides.flowControlKey !== undefined) {
        this.flow.observe(overrides.flowControlKey, overrides.flowControlValue);
      }
      // The batch was chosen before any of its runs could fail again, so a request never acts on
      // an entry it put back itself; a later page of the same bulk action can.
      for (const { message, record } of records) {
        if (this.failsAgain(record.workflowRunId)) this.reenter(message, record, overrides);
      }
    }
    return records.map(({ record }) => ({
      workflowRunId: record.workflowRunId,
      workflowCreatedAt: record.workflowCreatedAt,
    }));
  }

  /** A delivered run has run: it succeeded, or failed again and re-enters the DLQ. */
  private delivered(workflowRunId: string): void {
    const run = this.pending.get(workflowRunId);
    if (!run) return;
    this.pending.delete(workflowRunId);
    const status = run.message.responseStatus ?? 500;
    const transient = this.refail?.share ?? TRANSIENT_FAILURE_SHARE;
    const share =
      status >= 400 && status < 500 && status !== 429
        ? Math.max(PERSISTENT_FAILURE_SHARE, transient)
        : transient;
    const seed = String(this.refail?.seed ?? 1);
    const roll = digest(["delivery", seed, workflowRunId]).readUInt32BE(0) / 2 ** 32;
    run.record.finishedAt = Date.now();
    if (roll < share) {
      run.record.state = "RUN_FAILED";
      this.reenter(run.message, run.record, run.overrides);
    } else {
      run.record.state = "RUN_SUCCESS";
    }
  }

  private failsAgain(workflowRunId: string): boolean {
    if (!this.refail || this.refail.share <= 0) return false;
    if (this.refail.share >= 1) return true;
    const roll = digest(["refail", String(this.refail.seed), workflowRunId]).readUInt32BE(0) / 2 ** 32;
    return roll < this.refail.share;
  }

  /** The new run failed too: the same step with the same payload, under the new run's identity. */
  private reenter(message: DlqMessage, record: ResumedRecord, overrides: ResumeOverrides): void {
    let dlqId = hashedId("dlq_", ALNUM, 22, ["dlq", record.workflowRunId]);
    for (let salt = 1; this.issuedDlqIds.has(dlqId); salt++) {
      dlqId = hashedId("dlq_", ALNUM, 22, ["dlq", record.workflowRunId, String(salt)]);
    }
    const entry: DlqMessage = {
      ...structuredClone(message),
      dlqId,
      workflowRunId: record.workflowRunId,
      workflowCreatedAt: record.workflowCreatedAt,
      // A run fails after it was created, which was no earlier than the request's arrival.
      createdAt: Math.max(Date.now(), record.at + 1),
    };
    if (message.messageId !== undefined) entry.messageId = hashedId("msg_", ALNUM, 40, ["msg", dlqId]);
    const runHeader =
      entry.header && Object.keys(entry.header).find((name) => /^upstash-workflow-runid$/i.test(name));
    if (entry.header && runHeader) entry.header[runHeader] = [record.workflowRunId];
    if (overrides.retries !== undefined) entry.maxRetries = overrides.retries;
    if (overrides.flowControlKey !== undefined) entry.flowControlKey = overrides.flowControlKey;
    if (overrides.label !== undefined) {
      entry.label = overrides.label;
      if (overrides.labels === undefined) delete entry.labels;
      else entry.labels = [...overrides.labels];
    }
    this.entries.splice(this.indexAfter(entry), 0, entry);
    this.byId.set(dlqId, entry);
    this.issuedDlqIds.add(dlqId);
    record.refailedAs = dlqId;
  }

  private removeIds(ids: readonly string[]): number {
    const indexes: number[] = [];
    for (const id of ids) {
      const message = this.byId.get(id);
      if (!message) continue;
      const index = this.indexOf(message);
      if (index >= 0) indexes.push(index);
      this.byId.delete(id);
    }
    // A page is usually one stretch of neighbours: each stretch goes in one splice, from the back
    // so earlier indexes stay valid, instead of one splice (a move of the whole tail) per entry.
    indexes.sort((a, b) => b - a);
    let end = 0;
    for (let i = 0; i < indexes.length; i = end) {
      end = i + 1;
      while (end < indexes.length && indexes[end] === (indexes[end - 1] as number) - 1) end++;
      this.entries.splice(indexes[end - 1] as number, end - i);
    }
    return indexes.length;
  }

  /** First index whose key is not less than `key`. */
  private lowerBound(key: SortKey): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.entries[mid] as DlqMessage, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose key is strictly greater than `key`. */
  private indexAfter(key: SortKey): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const entry = this.entries[mid] as DlqMessage;
      if (compareKeys(entry, key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private indexOf(message: DlqMessage): number {
    const lo = this.lowerBound(message);
    return this.entries[lo] === message ? lo : -1;
  }
}
