/**
 * Groups DLQ messages the way an on-call engineer asks about them: by workflow, label, HTTP
 * status of the failed step, and failure-callback state.
 */
import type { DlqMessage } from "../wire/types.js";
import { labelsOf } from "./compact.js";
import type { SummaryResult } from "./schemas.js";

const NONE = "(none)";

export function summarize(messages: readonly DlqMessage[]): SummaryResult {
  return {
    entries: messages.length,
    byWorkflowUrl: countBy(messages, (message) => message.workflowUrl),
    byLabel: countBy(messages, (message) => labelsOf(message)),
    byResponseStatus: countBy(messages, (message) => message.responseStatus),
    byFailureCallbackState: countBy(messages, (message) => message.failureCallbackInfo?.state),
  };
}

/** A message with several values (labels) counts once in each of their groups. */
function countBy(
  messages: readonly DlqMessage[],
  key: (message: DlqMessage) => string | number | undefined | readonly string[],
) {
  const counts = new Map<string, number>();
  for (const message of messages) {
    const value = key(message);
    const values = Array.isArray(value) ? value : [value];
    const names =
      values.length === 0
        ? [NONE]
        : values.map((item) => (item === undefined || item === "" ? NONE : String(item)));
    for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
}
