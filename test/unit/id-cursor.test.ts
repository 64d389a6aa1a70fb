import { describe, expect, it } from "vitest";
import { decodeIdCursor, encodeIdCursor } from "../../src/dlq/id-cursor.js";

describe("id cursors", () => {
  const ids = ["a", "b", "c"];
  it("round-trips the offset for the same list", () => {
    expect(decodeIdCursor(encodeIdCursor(2, ids), ids)).toBe(2);
  });
  it("rejects the cursor for another list, or the same ids in another order", () => {
    expect(decodeIdCursor(encodeIdCursor(1, ids), ["a", "b", "d"])).toMatch(/different dlqIds list/);
    expect(decodeIdCursor(encodeIdCursor(1, ids), ["c", "b", "a"])).toMatch(/different dlqIds list/);
  });
  it("rejects server cursors", () => {
    expect(decodeIdCursor("eyJrIjoxfQ", ids)).toMatch(/not returned by a dlqIds call/);
  });
});
