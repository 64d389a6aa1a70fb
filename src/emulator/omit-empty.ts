/**
 * The `omitEmpty` quirk, named after Go's `omitempty`: QStash leaves empty values out of its
 * answers. Where this is seen:
 * - qstash-js commit 0a003f6 defaults `parallelismCount` to 0 because "the server omits
 *   parallelismCount when it's 0"; qstash-py's `parse_flow_control_info` defaults every
 *   flow-control field, `waitListSize` included, to 0 or false.
 * - `@upstash/workflow`'s live logs test (src/client/index.test.ts, upstash/workflow-js) reads a
 *   last page with no `cursor`, an `init` step with no `stepId` (it is step 0), and a step in the
 *   `next` group with no `stepName`.
 * So an answer may lack a zero count, a false flag, an empty string, list or map, anywhere in it.
 * A client that needs them present works against the tidy emulator and fails against QStash.
 */

/** What Go's `omitempty` leaves out: zero, false, the empty string, an empty list or map. */
function isEmpty(value: unknown): boolean {
  if (value === 0 || value === false || value === "" || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && Object.keys(value as object).length === 0;
}

/** A copy of `value` with every empty field left out, at any depth; list items are kept. */
function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpty);
  if (typeof value !== "object" || value === null) return value;
  const kept: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const stripped = withoutEmpty(field);
    if (!isEmpty(stripped)) kept[key] = stripped;
  }
  return kept;
}

/**
 * An answer body as QStash sends it, its empty fields left out. `keep` names top-level fields
 * QStash is seen to send even when empty: the DLQ list's `messages` (qstash-js's live DLQ test
 * reads `messages.length` of an emptied DLQ as 0, which an absent list would have broken).
 */
export function leaveOutEmpty(body: unknown, keep: readonly string[] = []): unknown {
  const stripped = withoutEmpty(body);
  if (keep.length === 0 || typeof body !== "object" || body === null || Array.isArray(body)) return stripped;
  const original = body as Record<string, unknown>;
  const out = stripped as Record<string, unknown>;
  for (const key of keep) if (key in original && !(key in out)) out[key] = original[key];
  return out;
}
