/**
 * One query builder and one header builder for every DLQ mode (ids, filter, all), shaped after
 * the official client so that the same logical call puts the same request on the wire.
 */

import { DEFAULT_BULK_COUNT, type FailureFunctionState, HEADERS } from "../wire/types.js";
import type { QueryParams } from "./query.js";

/**
 * Longest query string we send. HTTP servers commonly refuse request lines over 8–16 KB with a
 * 431; id lists are batched and filters refused before they get near that.
 */
export const MAX_QUERY_CHARS = 8_000;

export interface DlqFilter {
  workflowUrl?: string | string[];
  workflowRunId?: string;
  workflowCreatedAt?: number;
  label?: string | string[];
  /** Unix milliseconds, inclusive. */
  fromDate?: number;
  /** Unix milliseconds, inclusive. */
  toDate?: number;
  callerIp?: string | string[];
  flowControlKey?: string | string[];
  failureFunctionState?: FailureFunctionState;
}

export type Selection =
  | { mode: "ids"; dlqIds: string[] }
  | { mode: "filter"; filter: DlqFilter }
  | { mode: "all" };

export interface FlowControl {
  key: string;
  parallelism?: number;
  rate?: number;
  /** "10s", "1m" … or a number of seconds. */
  period?: string | number;
}

export interface ResumeOptions {
  flowControl?: FlowControl;
  retries?: number;
  /** The label the new runs carry instead of theirs. */
  label?: string;
}

export interface PageRequest {
  count?: number;
  cursor?: string;
}

/** The query of one bulk request: ids carry no count, filter and all default count to 100. */
export function buildSelectionQuery(selection: Selection, page: PageRequest = {}): QueryParams {
  switch (selection.mode) {
    case "ids":
      return { dlqIds: selection.dlqIds, cursor: page.cursor };
    case "filter":
      return { ...selection.filter, count: page.count ?? DEFAULT_BULK_COUNT, cursor: page.cursor };
    case "all":
      return { count: page.count ?? DEFAULT_BULK_COUNT, cursor: page.cursor };
  }
}

/** The list endpoint's query: the filter, and count/cursor only when given. */
export function buildListQuery(filter: DlqFilter | undefined, page: PageRequest): QueryParams {
  return { cursor: page.cursor, count: page.count, ...filter };
}

export function buildResumeHeaders(options: ResumeOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.flowControl) {
    headers[HEADERS.flowControlKey] = options.flowControl.key;
    headers[HEADERS.flowControlValue] = flowControlValue(options.flowControl);
  }
  if (options.retries !== undefined) headers[HEADERS.retries] = String(options.retries);
  if (options.label !== undefined) headers[HEADERS.label] = options.label;
  return headers;
}

/** `parallelism=P, rate=R, period=D`, only the parts given, a numeric period meaning seconds. */
export function flowControlValue(flowControl: FlowControl): string {
  const period = typeof flowControl.period === "number" ? `${flowControl.period}s` : flowControl.period;
  return [
    flowControl.parallelism === undefined ? undefined : `parallelism=${flowControl.parallelism}`,
    flowControl.rate === undefined ? undefined : `rate=${flowControl.rate}`,
    period === undefined ? undefined : `period=${period}`,
  ]
    .filter((part): part is string => part !== undefined)
    .join(", ");
}

/**
 * One run as the logs' `workflowRuns` filter names it: `ID@createdAt`, since several runs can
 * share an id.
 */
export function runPair(workflowRunId: string, workflowCreatedAt: number): string {
  return `${workflowRunId}@${workflowCreatedAt}`;
}
