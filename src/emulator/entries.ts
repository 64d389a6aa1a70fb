/**
 * The DLQ's entries, kept in key order (`cursors.ts`) and by id: loading them, new failures
 * arriving, removal, and the page of matching entries after a cursor. Every dlqId ever held is
 * remembered, so an entry that re-enters never reuses the id of one that left.
 */
import type { DlqMessage } from "../wire/types.js";
import { compareKeys, type SortKey } from "./cursors.js";
import { type DlqFilter, matchesFilter, type RunIdMatch } from "./filters.js";

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

/** Entries by key (createdAt ascending, then dlqId); the store decides which way they are listed. */
export class DlqEntries {
  private entries: DlqMessage[] = [];
  private readonly byId = new Map<string, DlqMessage>();
  /** Every dlqId since the last load, gone ones included: a re-entry must not reuse one. */
  private readonly issuedDlqIds = new Set<string>();

  /**
   * Replaces the contents. The message objects are kept, not copied: copying a large generated
   * DLQ would dominate start-up.
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
  }

  /**
   * New failures entering the DLQ, as they do while an incident is in full swing. Each keeps the
   * createdAt it is given: QStash does not promise that an entry becomes visible in the order of
   * its time, so a test may add one that is older than entries already there.
   */
  add(messages: readonly DlqMessage[]): void {
    for (const message of validateMessages(messages)) {
      if (this.byId.has(message.dlqId)) throw new TypeError(`duplicate dlqId ${message.dlqId}`);
      this.insert(message);
    }
  }

  /** Puts in one entry the caller has already checked, at its place in key order. */
  insert(message: DlqMessage): void {
    this.entries.splice(this.indexAfter(message), 0, message);
    this.byId.set(message.dlqId, message);
    this.issuedDlqIds.add(message.dlqId);
  }

  /** Whether `dlqId` was ever held since the last load, even if it has left since. */
  issued(dlqId: string): boolean {
    return this.issuedDlqIds.has(dlqId);
  }

  get size(): number {
    return this.entries.length;
  }

  get(dlqId: string): DlqMessage | undefined {
    return this.byId.get(dlqId);
  }

  has(dlqId: string): boolean {
    return this.byId.has(dlqId);
  }

  /** The matching entries in key order, as a new array. */
  matching(filter: DlqFilter): DlqMessage[] {
    return this.entries.filter((m) => matchesFilter(m, filter));
  }

  /**
   * Up to `limit` matching entries strictly after `after` in listing order (older, newest first),
   * and whether more match beyond them. Scans one entry past the page so a cursor is only handed
   * out when it leads somewhere.
   */
  page(
    filter: DlqFilter,
    limit: number,
    after: SortKey | undefined,
    runId: RunIdMatch,
    newestFirst: boolean,
  ): { entries: DlqMessage[]; hasMore: boolean } {
    const out: DlqMessage[] = [];
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

  /** Removes the entries with these ids; returns how many there were. */
  remove(ids: readonly string[]): number {
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
