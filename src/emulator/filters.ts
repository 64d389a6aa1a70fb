/**
 * Which entries a request selects: by ids, by a filter of the DLQ's fields, or all of them. The
 * list and bulk endpoints share these filters; only how `workflowRunId` matches differs.
 */
import type { DlqMessage, FailureFunctionState } from "../wire/types.js";

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

/** How `workflowRunId` in a filter matches: exactly, or as a prefix of the entry's run id. */
export type RunIdMatch = "exact" | "prefix";

export function failureFunctionStateOf(message: DlqMessage): FailureFunctionState | undefined {
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
