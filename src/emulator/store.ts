import type { DlqMessage, FailureFunctionState, WorkflowRunRef } from "../wire/types.js";

/** Parsed selection fields; repeated query keys become arrays (OR within a field). */
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
  failureFunctionState?: FailureFunctionState;
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
 * Key cursors mean "everything after this entry", so they survive removal of earlier entries.
 * Offset cursors index into a request's own `dlqIds` list, which the client sends again.
 */
export type Cursor = ({ kind: "key" } & SortKey) | { kind: "offset"; offset: number };

export interface ResumeOverrides {
  retries?: number;
  flowControlKey?: string;
  flowControlValue?: string;
}

export interface ResumedRecord extends ResumeOverrides {
  dlqId: string;
  workflowRunId: string;
  workflowCreatedAt: number;
  /** When the emulator resumed it, Unix milliseconds. */
  at: number;
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

export function compareKeys(a: SortKey, b: SortKey): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.dlqId < b.dlqId ? -1 : a.dlqId > b.dlqId ? 1 : 0;
}

export function encodeCursor(cursor: Cursor): string {
  const raw = cursor.kind === "key" ? ["k", cursor.createdAt, cursor.dlqId] : ["o", cursor.offset];
  return Buffer.from(JSON.stringify(raw), "utf8").toString("base64url");
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
    return { kind: "key", createdAt: raw[1], dlqId: raw[2] };
  }
  if (raw.length === 2 && raw[0] === "o" && Number.isSafeInteger(raw[1]) && raw[1] >= 0) {
    return { kind: "offset", offset: raw[1] };
  }
  return undefined;
}

/** A key before every entry: used when a server has to hand out a cursor for "from the start". */
export const START_CURSOR = encodeCursor({ kind: "key", createdAt: Number.MIN_SAFE_INTEGER, dlqId: "" });

export function matchesFilter(message: DlqMessage, filter: DlqFilter): boolean {
  if (
    filter.workflowUrl &&
    !(message.workflowUrl !== undefined && filter.workflowUrl.includes(message.workflowUrl))
  ) {
    return false;
  }
  if (filter.workflowRunId !== undefined && message.workflowRunId !== filter.workflowRunId) return false;
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
  if (filter.callerIp && !(message.callerIP !== undefined && filter.callerIp.includes(message.callerIP)))
    return false;
  if (
    filter.flowControlKey &&
    !(message.flowControlKey !== undefined && filter.flowControlKey.includes(message.flowControlKey))
  ) {
    return false;
  }
  if (
    filter.failureFunctionState !== undefined &&
    message.failureCallbackInfo?.state !== filter.failureFunctionState
  ) {
    return false;
  }
  return true;
}

function validateMessages(messages: readonly DlqMessage[]): DlqMessage[] {
  const seen = new Set<string>();
  for (const m of messages) {
    if (typeof m.dlqId !== "string" || m.dlqId === "") throw new TypeError("every DLQ message needs a dlqId");
    if (!Number.isSafeInteger(m.createdAt)) {
      throw new TypeError(`DLQ message ${m.dlqId} needs an integer createdAt`);
    }
    if (seen.has(m.dlqId)) throw new TypeError(`duplicate dlqId ${m.dlqId}`);
    seen.add(m.dlqId);
  }
  return [...messages].sort(compareKeys);
}

/** The emulated Workflow DLQ, always in the server's order: createdAt ascending, then dlqId. */
export class DlqStore {
  /** Every run resumed since the last load, in order. */
  readonly resumed: ResumedRecord[] = [];
  private entries: DlqMessage[] = [];
  private readonly byId = new Map<string, DlqMessage>();

  constructor(messages: readonly DlqMessage[] = []) {
    this.load(messages);
  }

  /**
   * Replaces the contents and forgets earlier resumes. The message objects are kept, not copied:
   * copying a large generated DLQ would dominate start-up. Pass copies to keep yours apart.
   */
  load(messages: readonly DlqMessage[]): void {
    const sorted = validateMessages(messages);
    this.entries = sorted;
    this.byId.clear();
    for (const m of sorted) this.byId.set(m.dlqId, m);
    this.resumed.length = 0;
  }

  get size(): number {
    return this.entries.length;
  }

  list(filter: DlqFilter = {}): DlqMessage[] {
    return this.entries.filter((m) => matchesFilter(m, filter));
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
   * Up to `limit` matching entries strictly after `after`, and whether more match beyond them.
   * Scans one entry past the page so a cursor is only handed out when it leads somewhere.
   */
  page(filter: DlqFilter, limit: number, after?: SortKey): { entries: DlqMessage[]; hasMore: boolean } {
    const out: DlqMessage[] = [];
    let hasMore = false;
    for (let i = after ? this.indexAfter(after) : 0; i < this.entries.length; i++) {
      const message = this.entries[i];
      if (message === undefined || !matchesFilter(message, filter)) continue;
      if (out.length === limit) {
        hasMore = true;
        break;
      }
      out.push(message);
    }
    return { entries: out, hasMore };
  }

  /** Entries a bulk request would act on now, without changing anything. */
  select(selection: Selection, limit: number, cursor?: string): BatchResult<DlqMessage> {
    const parsed = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && parsed === undefined)
      throw new DlqStoreError("invalid_cursor", "invalid cursor");

    if (selection.mode === "ids") {
      if (parsed?.kind === "key")
        throw new DlqStoreError("invalid_cursor", "invalid cursor for a dlqIds request");
      const ids = [...new Set(selection.dlqIds)];
      const offset = parsed?.kind === "offset" ? parsed.offset : 0;
      if (offset >= ids.length) throw new DlqStoreError("invalid_cursor", "cursor is past the end of dlqIds");
      // Everything not yet processed must exist, so a bad id fails the request before any side effect.
      const pending = ids.slice(offset);
      if (pending.some((id) => !this.byId.has(id))) {
        throw new DlqStoreError("not_found", "some DLQ messages were not found");
      }
      const batch = pending.slice(0, limit).map((id) => this.byId.get(id) as DlqMessage);
      const next = offset + batch.length;
      return next < ids.length
        ? { items: batch, cursor: encodeCursor({ kind: "offset", offset: next }) }
        : { items: batch };
    }

    if (parsed?.kind === "offset")
      throw new DlqStoreError("invalid_cursor", "invalid cursor for this request");
    const filter = selection.mode === "filter" ? selection.filter : {};
    const { entries, hasMore } = this.page(filter, limit, parsed);
    const last = entries[entries.length - 1];
    if (!hasMore || last === undefined) return { items: entries };
    return {
      items: entries,
      cursor: encodeCursor({ kind: "key", createdAt: last.createdAt, dlqId: last.dlqId }),
    };
  }

  /** Resumes a batch: the entries leave the DLQ and are recorded, keeping their run id and creation time. */
  resume(
    selection: Selection,
    limit: number,
    cursor: string | undefined,
    overrides: ResumeOverrides = {},
    at = Date.now(),
  ): BatchResult<WorkflowRunRef> {
    const batch = this.select(selection, limit, cursor);
    const runs = batch.items.map((m) => this.resumeOne(m, overrides, at));
    return batch.cursor === undefined ? { items: runs } : { items: runs, cursor: batch.cursor };
  }

  resumeById(dlqId: string, overrides: ResumeOverrides = {}, at = Date.now()): WorkflowRunRef | undefined {
    const message = this.byId.get(dlqId);
    return message ? this.resumeOne(message, overrides, at) : undefined;
  }

  deleteSelection(
    selection: Selection,
    limit: number,
    cursor?: string,
  ): { deleted: number; cursor?: string } {
    const batch = this.select(selection, limit, cursor);
    const deleted = this.removeIds(batch.items.map((m) => m.dlqId));
    return batch.cursor === undefined ? { deleted } : { deleted, cursor: batch.cursor };
  }

  private resumeOne(message: DlqMessage, overrides: ResumeOverrides, at: number): WorkflowRunRef {
    const run: WorkflowRunRef = {
      // Entries loaded without workflow metadata still need a stable run identity.
      workflowRunId: message.workflowRunId ?? `wfr_${message.dlqId}`,
      workflowCreatedAt: message.workflowCreatedAt ?? message.createdAt,
    };
    this.removeIds([message.dlqId]);
    const record: ResumedRecord = { dlqId: message.dlqId, ...run, at };
    if (overrides.retries !== undefined) record.retries = overrides.retries;
    if (overrides.flowControlKey !== undefined) record.flowControlKey = overrides.flowControlKey;
    if (overrides.flowControlValue !== undefined) record.flowControlValue = overrides.flowControlValue;
    this.resumed.push(record);
    return run;
  }

  private removeIds(ids: readonly string[]): number {
    let removed = 0;
    for (const id of ids) {
      const message = this.byId.get(id);
      if (!message) continue;
      const index = this.indexOf(message);
      if (index >= 0) this.entries.splice(index, 1);
      this.byId.delete(id);
      removed++;
    }
    return removed;
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
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const entry = this.entries[mid] as DlqMessage;
      if (compareKeys(entry, message) < 0) lo = mid + 1;
      else hi = mid;
    }
    return this.entries[lo] === message ? lo : -1;
  }
}
