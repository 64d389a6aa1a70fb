import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Fixture, startFixture, textOf } from "../support/harness.js";

const cases: { name: string; tool: string; args: Record<string, unknown>; message: RegExp }[] = [
  {
    name: "both dlqIds and filter",
    tool: "dlq_resume",
    args: { dlqIds: ["a"], filter: { label: "x" } },
    message: /either dlqIds or filter, not both/,
  },
  {
    name: "neither dlqIds nor filter",
    tool: "dlq_resume",
    args: {},
    message: /Pass dlqIds .* or filter .*dlq_resume_all/,
  },
  {
    name: "an empty filter",
    tool: "dlq_resume",
    args: { filter: {} },
    message: /filter is empty: give at least one field/,
  },
  { name: "empty dlqIds", tool: "dlq_resume", args: { dlqIds: [] }, message: /dlqIds is empty/ },
  {
    name: "an empty id",
    tool: "dlq_resume",
    args: { dlqIds: ["dlq_a", " "] },
    message: /The DLQ id at dlqIds\[1\] is empty/,
  },
  {
    name: "negative retries",
    tool: "dlq_resume",
    args: { dlqIds: ["a"], retries: -1 },
    message: /retries cannot be negative/,
  },
  {
    name: "fractional retries",
    tool: "dlq_resume_all",
    args: { retries: 1.5 },
    message: /retries must be a whole number/,
  },
  {
    name: "flowControl without rate or parallelism",
    tool: "dlq_resume_all",
    args: { flowControl: { key: "k", period: "1s" } },
    message: /flowControl needs parallelism, rate, or both/,
  },
  {
    name: "a bad flow-control key",
    tool: "dlq_resume",
    args: { filter: { label: "x" }, flowControl: { key: "bad key!", rate: 1 } },
    message: /flowControl\.key may contain only letters, digits/,
  },
  {
    name: "a bad period",
    tool: "dlq_resume_all",
    args: { flowControl: { key: "k", rate: 1, period: "soon" } },
    message: /flowControl\.period must look like/,
  },
  {
    name: "an unparseable date",
    tool: "dlq_resume",
    args: { filter: { fromDate: "yesterday-ish" } },
    message: /fromDate "yesterday-ish" is not a date/,
  },
  {
    name: "a date in seconds",
    tool: "dlq_list",
    args: { filter: { toDate: 1764331200 } },
    message: /looks like Unix seconds: pass milliseconds \(1764331200000\)/,
  },
  {
    name: "fromDate after toDate",
    tool: "dlq_resume",
    args: { filter: { fromDate: "2026-11-28T12:00:00Z", toDate: "2026-11-28T10:00:00Z" } },
    message: /fromDate is after toDate/,
  },
  {
    name: "an unknown failure state",
    tool: "dlq_resume",
    args: { filter: { failureFunctionState: "BROKEN" } },
    message: /must be one of CALLBACK_INPROGRESS/,
  },
  {
    name: "an unknown filter field",
    tool: "dlq_list",
    args: { filter: { status: 500 } },
    message: /Unknown filter field\(s\) status/,
  },
  {
    name: "an unknown argument",
    tool: "dlq_resume_all",
    args: { all: true },
    message: /Unknown argument\(s\) all for dlq_resume_all/,
  },
  { name: "count of zero", tool: "dlq_resume_all", args: { count: 0 }, message: /count must be at least 1/ },
  {
    name: "count above the list limit",
    tool: "dlq_list",
    args: { count: 500 },
    message: /count can be at most 100/,
  },
  {
    name: "count with dlqIds",
    tool: "dlq_resume",
    args: { dlqIds: ["a"], count: 5 },
    message: /count applies to filter mode only/,
  },
  {
    name: "maxPages of zero",
    tool: "dlq_resume_all",
    args: { maxPages: 0 },
    message: /maxPages must be at least 1/,
  },
  {
    name: "a cursor no call returned, with dlqIds",
    tool: "dlq_resume",
    args: { dlqIds: ["a"], cursor: "abc" },
    message: /not returned by this server.*leave it out/,
  },
  {
    name: "a garbage cursor with a filter",
    tool: "dlq_resume",
    args: { filter: { label: "x" }, cursor: "ids1.50.0123456789abcdef" },
    message: /not returned by this server/,
  },
  {
    name: "a string where ids belong",
    tool: "dlq_resume",
    args: { dlqIds: "dlq_a" },
    message: /dlqIds must be a list/,
  },
];

describe("bad input", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture();
  });
  afterAll(() => fixture.close());
  beforeEach(() => fixture.emulator.clearRequests());

  it.each(cases)(
    "$name: a tool error that names the fix, and no request",
    async ({ tool, args, message }) => {
      const result = await fixture.call(tool, args);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(message);
      expect(fixture.emulator.requests).toHaveLength(0);
    },
  );
});
