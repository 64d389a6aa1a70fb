import { describe, expect, it } from "vitest";
import { decodeIdCursor, encodeIdCursor, rangesOf } from "../../src/dlq/id-cursor.js";

describe("id cursors", () => {
  const ids = ["a", "b", "c", "d", "e", "f"];

  it("round-trips the offset and the ranges already handled past it", () => {
    const progress = { offset: 1, done: [[3, 5]] as [number, number][] };
    expect(decodeIdCursor(encodeIdCursor(progress, ids), ids)).toEqual(progress);
    expect(decodeIdCursor(encodeIdCursor({ offset: 2, done: [] }, ids), ids)).toEqual({
      offset: 2,
      done: [],
    });
  });

  it("rejects the cursor for another list, or the same ids in another order", () => {
    const cursor = encodeIdCursor({ offset: 1, done: [] }, ids);
    expect(decodeIdCursor(cursor, ["a", "b", "c", "d", "e", "x"])).toMatch(/different dlqIds list/);
    expect(decodeIdCursor(cursor, [...ids].reverse())).toMatch(/different dlqIds list/);
  });

  it("rejects ranges that overlap, run backwards or leave the list", () => {
    const valid = encodeIdCursor({ offset: 1, done: [[3, 4]] }, ids);
    for (const ranges of ["2-2", "4-3", "3-9", "3-5_4-6", "1-2"]) {
      expect(decodeIdCursor(valid.replace(/\.[\d_-]+$/, `.${ranges}`), ids)).toMatch(/different dlqIds list/);
    }
  });

  it("rejects server cursors", () => {
    expect(decodeIdCursor("eyJrIjoxfQ", ids)).toMatch(/not returned by a dlqIds call/);
  });

  it("describes index sets as merged ranges", () => {
    expect(rangesOf([7, 3, 4, 5, 9])).toEqual([
      [3, 6],
      [7, 8],
      [9, 10],
    ]);
  });
});
