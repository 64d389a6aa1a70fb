/**
 * Groups DLQ messages the way an on-call engineer asks about them: by workflow, label, HTTP
 * status of the failed step, failure-callback state, and by error: the failed step's response
 * reduced to its shape, so "order 8812 already fulfilled" and "order 9034 already fulfilled" are
 * one error. Counted as messages stream past, so a summary of many pages holds counts, not
 * messages; only the largest groups are shown.
 */

import { clip } from "../../mcp/results.js";
import type { DlqMessage } from "../../wire/types.js";
import { bodyText, labelsOf } from "./compact.js";
import type { SummaryResult } from "./output.js";

const NONE = "(none)";
/** Groups of each kind in a result; the rest are counted in otherGroups. */
const SHOWN_GROUPS = 10;
/** A group's name (a URL, a label) is cut to this in a result. */
const GROUP_NAME_CHARS = 200;
/** Error groups in a result: each carries an example, so fewer than the other kinds. */
const SHOWN_ERRORS = 5;
/** An error's shape, and its example's body, are cut to these in a result. */
const ERROR_SHAPE_CHARS = 160;
const EXAMPLE_BODY_CHARS = 120;
/** Distinct error shapes kept while counting; entries of further shapes are counted as other. */
const MAX_ERROR_SHAPES = 1_000;

/** A time a Date can hold: Unix milliseconds within ±8.64e15. */
function isDate(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15;
}

/**
 * The response body with what varies between runs replaced: timestamps, UUIDs, prefixed ids
 * (ord_8f3k2…), long hex strings and numbers. The HTTP status goes in front.
 */
export function errorShape(message: DlqMessage): string {
  const body = bodyText(message.responseBody, message.responseBodyBase64) ?? "";
  const shape = body
    .slice(0, 4_096)
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?/g, "<time>")
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<id>")
    .replace(/\b[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT\b/g, "<time>")
    .replace(/\b[A-Za-z]{2,12}_(?=[A-Za-z-]*\d)[A-Za-z0-9-]{4,}\b/g, "<id>")
    .replace(/\b(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{6,}\b/g, "<id>")
    .replace(/\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi, "<hex>")
    .replace(/\d+(\.\d+)?/g, "<n>")
    .replace(/\s+/g, " ")
    .trim();
  const status = message.responseStatus === undefined ? "" : `${message.responseStatus} `;
  return clip(`${status}${shape === "" ? "(empty body)" : shape}`, ERROR_SHAPE_CHARS);
}

type Key = (message: DlqMessage) => string | number | undefined | readonly string[];

const KEYS: Record<Exclude<keyof SummaryResult, "entries" | "otherGroups" | "byError" | "createdAt">, Key> = {
  byWorkflowUrl: (message) => message.workflowUrl,
  byLabel: (message) => labelsOf(message),
  byResponseStatus: (message) => message.responseStatus,
  byFailureFunctionState: (message) => message.failureFunctionState ?? message.failureCallbackInfo?.state,
};

export class Summarizer {
  private entries = 0;
  private firstAt = Number.POSITIVE_INFINITY;
  private lastAt = Number.NEGATIVE_INFINITY;
  /** Each error shape with its count and one example, clipped: counts, not messages, are kept. */
  private readonly errors = new Map<
    string,
    { count: number; example: { dlqId: string; responseBody: string } }
  >();
  /** Entries whose error shape came after MAX_ERROR_SHAPES others. */
  private otherErrors = 0;
  private readonly counts = new Map<keyof typeof KEYS, Map<string, number>>(
    Object.keys(KEYS).map((name) => [name as keyof typeof KEYS, new Map()]),
  );

  add(message: DlqMessage): void {
    this.entries += 1;
    if (isDate(message.createdAt)) {
      this.firstAt = Math.min(this.firstAt, message.createdAt);
      this.lastAt = Math.max(this.lastAt, message.createdAt);
    }
    const shape = errorShape(message);
    const error = this.errors.get(shape);
    if (error) error.count += 1;
    else if (this.errors.size >= MAX_ERROR_SHAPES) this.otherErrors += 1;
    else {
      const body = bodyText(message.responseBody, message.responseBodyBase64) ?? "";
      this.errors.set(shape, {
        count: 1,
        example: {
          dlqId: message.dlqId,
          responseBody: clip(body.slice(0, EXAMPLE_BODY_CHARS * 2), EXAMPLE_BODY_CHARS),
        },
      });
    }
    for (const [name, key] of Object.entries(KEYS) as [keyof typeof KEYS, Key][]) {
      const counts = this.counts.get(name) as Map<string, number>;
      // A message with several values (labels) counts once in each of their groups.
      const value = key(message);
      const values = Array.isArray(value) ? value : [value];
      const names =
        values.length === 0
          ? [NONE]
          : values.map((item) => (item === undefined || item === "" ? NONE : String(item)));
      for (const group of names) counts.set(group, (counts.get(group) ?? 0) + 1);
    }
  }

  result(): SummaryResult {
    let otherGroups = 0;
    const groups = (name: keyof typeof KEYS) => {
      const sorted = [...(this.counts.get(name) as Map<string, number>)]
        .map(([value, count]) => ({ value: clip(value, GROUP_NAME_CHARS), count }))
        .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
      otherGroups += Math.max(0, sorted.length - SHOWN_GROUPS);
      return sorted.slice(0, SHOWN_GROUPS);
    };
    const result: SummaryResult = {
      entries: this.entries,
      byWorkflowUrl: groups("byWorkflowUrl"),
      byLabel: groups("byLabel"),
      byResponseStatus: groups("byResponseStatus"),
      byFailureFunctionState: groups("byFailureFunctionState"),
    };
    const errors = [...this.errors]
      .sort(([a, x], [b, y]) => y.count - x.count || a.localeCompare(b))
      .map(([shape, { count, example }]) => ({ shape, count, example }));
    result.byError = errors.slice(0, SHOWN_ERRORS);
    otherGroups += Math.max(0, errors.length - SHOWN_ERRORS) + (this.otherErrors > 0 ? 1 : 0);
    if (this.entries > 0 && isDate(this.firstAt) && isDate(this.lastAt)) {
      result.createdAt = {
        from: new Date(this.firstAt).toISOString(),
        to: new Date(this.lastAt).toISOString(),
      };
    }
    if (otherGroups > 0) result.otherGroups = otherGroups;
    return result;
  }
}
