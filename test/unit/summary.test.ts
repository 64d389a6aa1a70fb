/**
 * Errors grouped the way an on-call engineer reads them: the same failure with another order
 * number, id or timestamp is one error; a different message or status is another.
 */
import { describe, expect, it } from "vitest";
import { errorShape, Summarizer } from "../../src/tools/shared/summary.js";
import type { DlqMessage } from "../../src/wire/types.js";

let serial = 0;
function failed(
  responseStatus: number,
  responseBody: string,
  createdAt = Date.UTC(2026, 10, 30, 12),
): DlqMessage {
  serial += 1;
  return { dlqId: `dlq_${serial}`, createdAt, responseStatus, responseBody } as DlqMessage;
}

describe("errorShape", () => {
  it.each([
    ['{"error":"order 8812 already fulfilled"}', '{"error":"order 9034 already fulfilled"}'],
    [
      '{"id":"ord_8f3k2Q9","at":"2026-11-30T14:02:11.482Z"}',
      '{"id":"ord_Zz81kP0","at":"2026-12-01T01:00:00Z"}',
    ],
    ["trace 3f2a9c0d1e4b5a69 failed", "trace 0a1b2c3d4e5f6789 failed"],
    [
      "request 6f1c2e44-3a7b-4c1d-9e2f-0a1b2c3d4e5f timed out",
      "request 1d2c3b4a-5e6f-4a1b-8c9d-e0f1a2b3c4d5 timed out",
    ],
  ])("gives %s and %s one shape", (a, b) => {
    expect(errorShape(failed(500, a))).toBe(errorShape(failed(500, b)));
  });

  it("keeps apart what differs in meaning: the status, the words, an error code", () => {
    expect(errorShape(failed(500, "pool exhausted"))).not.toBe(errorShape(failed(503, "pool exhausted")));
    expect(errorShape(failed(500, "pool exhausted"))).not.toBe(errorShape(failed(500, "disk full")));
    expect(errorShape(failed(429, '{"error":"rate_limited"}'))).toBe('429 {"error":"rate_limited"}');
    expect(errorShape(failed(422, '{"error":"order 8812 already fulfilled"}'))).toBe(
      '422 {"error":"order <n> already fulfilled"}',
    );
  });

  it("names an empty body, and stays short for a huge one", () => {
    expect(errorShape(failed(502, ""))).toBe("502 (empty body)");
    expect(errorShape(failed(500, "x".repeat(50_000))).length).toBeLessThanOrEqual(160);
  });
});

describe("the summary's byError and createdAt", () => {
  it("counts each error once per entry, largest first, with an example, and states the time range", () => {
    const summarizer = new Summarizer();
    const first = Date.UTC(2026, 10, 30, 2);
    const last = Date.UTC(2026, 10, 30, 9, 30);
    summarizer.add(failed(422, '{"error":"order 1 already fulfilled"}', last));
    summarizer.add(failed(422, '{"error":"order 2 already fulfilled"}', first));
    summarizer.add(failed(422, '{"error":"order 3 already fulfilled"}', first + 1));
    summarizer.add(failed(503, "upstream unavailable", last - 1));
    const summary = summarizer.result();
    expect(summary.byError).toEqual([
      {
        shape: '422 {"error":"order <n> already fulfilled"}',
        count: 3,
        example: {
          dlqId: expect.stringMatching(/^dlq_/),
          responseBody: expect.stringMatching(/already fulfilled/),
        },
      },
      {
        shape: "503 upstream unavailable",
        count: 1,
        example: expect.objectContaining({ responseBody: "upstream unavailable" }),
      },
    ]);
    expect(summary.createdAt).toEqual({
      from: new Date(first).toISOString(),
      to: new Date(last).toISOString(),
    });
  });

  it("shows the five largest errors and counts the rest in otherGroups", () => {
    const summarizer = new Summarizer();
    for (let kind = 0; kind < 8; kind++) summarizer.add(failed(500, `failure kind ${"abcdefgh"[kind]}`));
    const summary = summarizer.result();
    expect(summary.byError).toHaveLength(5);
    expect(summary.otherGroups).toBeGreaterThanOrEqual(3);
  });
});

describe("errorShape with other id and time formats", () => {
  it.each([
    ["job 01HZX3J8K2M4N6P8Q0R2S4T6V8 failed", "job 01HZY9A1B3C5D7E9F1G3H5J7K9 failed"],
    ["retry after Mon, 30 Nov 2026 14:02:11 GMT", "retry after Tue, 01 Dec 2026 09:00:00 GMT"],
  ])("gives %s and %s one shape", (a, b) => {
    expect(errorShape(failed(500, a))).toBe(errorShape(failed(500, b)));
  });
});

describe("a summary of many different errors", () => {
  it("keeps a bounded number of shapes, with clipped examples", () => {
    const summarizer = new Summarizer();
    for (let kind = 0; kind < 1_500; kind++) {
      summarizer.add(
        failed(
          500,
          `failure ${"x".repeat(kind % 40)} ${"abcdefghijklmnopqrstuvwxyz"[kind % 26]} ${"y".repeat(10_000)}`,
        ),
      );
    }
    const summary = summarizer.result();
    expect(summary.entries).toBe(1_500);
    expect(summary.byError).toHaveLength(5);
    for (const error of summary.byError ?? [])
      expect(error.example.responseBody.length).toBeLessThanOrEqual(120);
  });

  it("states no range for a time a date cannot hold", () => {
    const summarizer = new Summarizer();
    summarizer.add(failed(500, "x", 1e20));
    expect(summarizer.result().createdAt).toBeUndefined();
  });
});
