/**
 * A cursor for id lists longer than one call may send. It records how far into the list the
 * previous call got and a fingerprint of the list, so it cannot be replayed against other ids.
 */
import { createHash } from "node:crypto";

const PREFIX = "ids1.";

export function encodeIdCursor(offset: number, dlqIds: readonly string[]): string {
  return `${PREFIX}${offset}.${fingerprint(dlqIds)}`;
}

/** The offset to continue from, or an error message that says how to fix the call. */
export function decodeIdCursor(cursor: string, dlqIds: readonly string[]): number | string {
  const match = /^ids1\.(\d+)\.([0-9a-f]{16})$/.exec(cursor);
  if (!match) {
    return "This cursor was not returned by a dlqIds call. To continue an id list, pass the same dlqIds with the cursor that call returned; to continue a filter, pass the filter instead of dlqIds.";
  }
  const offset = Number(match[1]);
  if (match[2] !== fingerprint(dlqIds) || offset > dlqIds.length) {
    return "This cursor belongs to a different dlqIds list. Pass exactly the dlqIds of the call that returned it, in the same order.";
  }
  return offset;
}

function fingerprint(dlqIds: readonly string[]): string {
  const hash = createHash("sha256");
  for (const id of dlqIds) hash.update(id).update("\0");
  return hash.digest("hex").slice(0, 16);
}
