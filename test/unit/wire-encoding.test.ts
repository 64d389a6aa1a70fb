import { describe, expect, it } from "vitest";
import { encodeQuery } from "../../src/qstash/query.js";
import { buildResumeHeaders, buildSelectionQuery, flowControlValue } from "../../src/qstash/request.js";

describe("query encoding", () => {
  it("repeats keys for arrays, sends dates as ms and omits undefined", () => {
    const at = new Date(Date.UTC(2026, 10, 28));
    expect(encodeQuery({ dlqIds: ["a", "b"], fromDate: at, cursor: undefined, count: 5 })).toBe(
      `?dlqIds=a&dlqIds=b&fromDate=${at.getTime()}&count=5`,
    );
  });

  it("refuses an empty array instead of sending a query that selects everything", () => {
    expect(() => encodeQuery({ dlqIds: [] })).toThrow(/empty list for "dlqIds"/);
  });

  it("escapes values", () => {
    expect(encodeQuery({ workflowUrl: "https://x.example/a?b=c&d" })).toBe(
      "?workflowUrl=https%3A%2F%2Fx.example%2Fa%3Fb%3Dc%26d",
    );
  });
});

describe("selection queries", () => {
  it("sends ids without a count, filters and all with the default count of 100", () => {
    expect(buildSelectionQuery({ mode: "ids", dlqIds: ["a"] })).toEqual({ dlqIds: ["a"], cursor: undefined });
    expect(buildSelectionQuery({ mode: "filter", filter: { label: "x" } })).toEqual({
      label: "x",
      count: 100,
      cursor: undefined,
    });
    expect(buildSelectionQuery({ mode: "all" }, { count: 7, cursor: "c" })).toEqual({
      count: 7,
      cursor: "c",
    });
  });
});

describe("resume headers", () => {
  it("writes only the flow-control parts given, in order, with numeric periods in seconds", () => {
    expect(flowControlValue({ key: "k", parallelism: 2 })).toBe("parallelism=2");
    expect(flowControlValue({ key: "k", rate: 3, period: 30 })).toBe("rate=3, period=30s");
    expect(flowControlValue({ key: "k", parallelism: 1, rate: 3, period: "1m" })).toBe(
      "parallelism=1, rate=3, period=1m",
    );
  });

  it("sends retries only when given, including 0", () => {
    expect(buildResumeHeaders({})).toEqual({});
    expect(buildResumeHeaders({ retries: 0 })).toEqual({ "upstash-retries": "0" });
  });
});
