/**
 * A cursor for id lists longer than one call may send. It records how far into the list the
 * previous call got, which batches past that point already went through (batches run
 * concurrently, so a later one can succeed while an earlier one fails), and a fingerprint of the
 * list, so it cannot be replayed against other ids.
 */
import { createHash } from "node:crypto";

export interface IdProgress {
  /** Every id before this index was handled. */
  offset: number;
  /** Half-open index ranges past the offset that were handled too, sorted and disjoint. */
  done: [number, number][];
}

const PATTERN = /^ids1\.(\d+)\.([0-9a-f]{16})(?:\.((?:\d+-\d+_)*\d+-\d+))?$/;

export function encodeIdCursor(progress: IdProgress, dlqIds: readonly string[]): string {
  const ranges = progress.done.map(([start, end]) => `${start}-${end}`).join("_");
  return `ids1.${progress.offset}.${fingerprint(dlqIds)}${ranges ? `.${ranges}` : ""}`;
}

/** Where to continue, or an error message that says how to fix the call. */
export function decodeIdCursor(cursor: string, dlqIds: readonly string[]): IdProgress | string {
  const match = PATTERN.exec(cursor);
  if (!match) {
    return "This cursor was not returned by a dlqIds call. To continue an id list, pass the same dlqIds with the cursor that call returned; to continue a filter, pass the filter instead of dlqIds.";
  }
  const offset = Number(match[1]);
  const done = (match[3] ?? "")
    .split("_")
    .filter(Boolean)
    .map((range) => range.split("-").map(Number) as [number, number]);
  let previousEnd = offset;
  const ordered = done.every(([start, end]) => {
    const ok = start > previousEnd && start < end && end <= dlqIds.length;
    previousEnd = end;
    return ok;
  });
  if (match[2] !== fingerprint(dlqIds) || offset > dlqIds.length || !ordered) {
    return "This cursor belongs to a different dlqIds list. Pass exactly the dlqIds of the call that returned it, in the same order.";
  }
  return { offset, done };
}

/** Index ranges covering a set of indexes, for the cursor. */
export function rangesOf(indexes: Iterable<number>): [number, number][] {
  const ranges: [number, number][] = [];
  for (const index of [...indexes].sort((a, b) => a - b)) {
    const last = ranges.at(-1);
    if (last && last[1] === index) last[1] = index + 1;
    else ranges.push([index, index + 1]);
  }
  return ranges;
}

function fingerprint(dlqIds: readonly string[]): string {
  const hash = createHash("sha256");
  for (const id of dlqIds) hash.update(id).update("\0");
  return hash.digest("hex").slice(0, 16);
}
