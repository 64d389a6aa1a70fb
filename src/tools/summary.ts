/**
 * Groups DLQ messages the way an on-call engineer asks about them: by workflow, label, HTTP
 * status of the failed step, and failure-callback state. Counted as messages stream past, so a
 * summary of many pages holds counts, not messages; only the largest groups are shown.
 */
import type { DlqMessage } from "../wire/types.js";
import { labelsOf } from "./compact.js";
import type { SummaryResult } from "./result-schemas.js";
import { clip } from "./results.js";

const NONE = "(none)";
/** Groups of each kind in a result; the rest are counted in otherGroups. */
const SHOWN_GROUPS = 10;
/** A group's name (a URL, a label) is cut to this in a result. */
const GROUP_NAME_CHARS = 200;

type Key = (message: DlqMessage) => string | number | undefined | readonly string[];

const KEYS: Record<Exclude<keyof SummaryResult, "entries" | "otherGroups">, Key> = {
  byWorkflowUrl: (message) => message.workflowUrl,
  byLabel: (message) => labelsOf(message),
  byResponseStatus: (message) => message.responseStatus,
  byFailureCallbackState: (message) => message.failureCallbackInfo?.state,
};

export class Summarizer {
  private entries = 0;
  private readonly counts = new Map<keyof typeof KEYS, Map<string, number>>(
    Object.keys(KEYS).map((name) => [name as keyof typeof KEYS, new Map()]),
  );

  add(message: DlqMessage): void {
    this.entries += 1;
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
      byFailureCallbackState: groups("byFailureCallbackState"),
    };
    if (otherGroups > 0) result.otherGroups = otherGroups;
    return result;
  }
}
