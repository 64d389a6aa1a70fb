/**
 * The logs endpoint as the official client reads it: a failed run's completed steps, then the
 * step it failed at in the `next` group with one error per attempt, the failure function's state
 * and response, bodies cut by `trimBody`, pages of at most 10 runs, and resumed runs found by
 * `workflowRuns` pairs.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { call, message, NOW, nth, TOKEN } from "./helpers.js";

const LOGS = "/v2/workflows/logs";

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const failing = message({
  dlqId: "dlq_logs_1",
  workflowRunId: "wfr_logs_1",
  url: "https://payments.example.com/v1/charges",
  responseStatus: 503,
  responseBody: "no healthy upstream — ünïcödé",
  maxRetries: 2,
  failureCallback: "https://api.acme-shop.example/api/workflows/failures",
  failureCallbackInfo: { state: "CALLBACK_FAIL", responseStatus: 500, responseBody: '{"error":"crashed"}' },
  failureFunctionState: "CALLBACK_FAIL",
});

// biome-ignore lint/suspicious/noExplicitAny: the published run shape is read as JSON
type Json = any;
const groupsOf = (run: Json) => run.steps as { type: string; steps: Json[] }[];
const failedStepOf = (run: Json) => groupsOf(run).find((group) => group.type === "next")?.steps[0];

describe("GET /v2/workflows/logs", () => {
  it("serves a DLQ entry's run: completed steps, then the failed step with one error per attempt, and its failure function", async () => {
    emu = await startEmulator({ token: TOKEN, now: NOW, messages: [failing] });
    const res = await call(emu, "GET", LOGS, {
      query: [
        ["workflowRunId", "wfr_logs_1"],
        ["trimBody", "1000"],
      ],
    });
    expect(res.status).toBe(200);
    const run = nth<Json>(res.json.runs, 0);
    expect(run).toMatchObject({
      workflowRunId: "wfr_logs_1",
      workflowState: "RUN_FAILED",
      dlqId: "dlq_logs_1",
    });
    expect(groupsOf(run).map((group) => group.type)).toEqual(["sequential", "sequential", "next"]);
    for (const step of groupsOf(run)
      .slice(0, -1)
      .flatMap((group) => group.steps)) {
      expect(step).toMatchObject({ state: "STEP_SUCCESS", callType: "step" });
      expect(typeof step.messageId).toBe("string");
    }
    const failed = failedStepOf(run);
    expect(failed).toMatchObject({ state: "STEP_FAILED", retries: 2, stepName: "call-payments" });
    // maxRetries 2: three attempts, each answered with the entry's failure, oldest first.
    expect(failed.errors).toHaveLength(3);
    for (const error of failed.errors) {
      expect(error).toMatchObject({ status: 503, body: "no healthy upstream — ünïcödé" });
      expect(typeof error.error).toBe("string");
      expect(error.time).toBeLessThanOrEqual(failing.createdAt);
      expect(error.time).toBeGreaterThanOrEqual(failing.workflowCreatedAt as number);
    }
    const times = failed.errors.map((error: { time: number }) => error.time);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times.at(-1)).toBe(failing.createdAt);
    expect(run.failureFunction).toMatchObject({
      url: "https://api.acme-shop.example/api/workflows/failures",
      state: "CALLBACK_FAIL",
      failStatus: 503,
      dlqId: "dlq_logs_1",
      responseStatus: 500,
      responseBody: '{"error":"crashed"}',
    });
  });

  it("leaves bodies out by default and at trimBody=-1, and cuts them to trimBody bytes otherwise", async () => {
    emu = await startEmulator({ token: TOKEN, now: NOW, messages: [failing] });
    for (const trim of [undefined, "-1"]) {
      const res = await call(emu, "GET", LOGS, { query: trim === undefined ? [] : [["trimBody", trim]] });
      const run = nth<Json>(res.json.runs, 0);
      expect(JSON.stringify(run)).not.toContain("no healthy upstream");
      expect(run.failureFunction.responseBody).toBeUndefined();
    }
    const res = await call(emu, "GET", LOGS, { query: [["trimBody", "24"]] });
    const errors = failedStepOf(nth<Json>(res.json.runs, 0)).errors;
    expect(errors).toHaveLength(3);
    for (const error of errors) {
      expect(Buffer.byteLength(error.body)).toBeLessThanOrEqual(24);
      expect(error.body.startsWith("no healthy upstream")).toBe(true);
      expect(error.body).not.toContain("\uFFFD");
    }
    const bad = await call(emu, "GET", LOGS, { query: [["trimBody", "ten"]] });
    expect(bad.status).toBe(400);
  });

  it("serves at most 10 runs a page, as the published API does", async () => {
    emu = await startEmulator({ token: TOKEN, now: NOW, entries: 25 });
    const res = await call(emu, "GET", LOGS, { query: [["count", "100"]] });
    expect(res.json.runs).toHaveLength(10);
    expect(res.json.cursor).toBeTruthy();
  });

  it("finds resumed runs by their workflowRuns pairs, succeeded or failed again with the new dlqId", async () => {
    const entries = [failing, ...Array.from({ length: 9 }, () => message())];
    emu = await startEmulator({ token: TOKEN, now: NOW, messages: entries, refail: { share: 0.5, seed: 3 } });
    const resumed = await call(emu, "POST", "/v2/workflows/dlq/resume", {
      query: entries.map((entry) => ["dlqIds", entry.dlqId] as [string, string]),
    });
    expect(resumed.status).toBe(200);
    const pairs = resumed.json.workflowRuns.map(
      (run: { workflowRunId: string; workflowCreatedAt: number }) =>
        `${run.workflowRunId}@${run.workflowCreatedAt}`,
    );
    const res = await call(emu, "GET", LOGS, { query: [["workflowRuns", pairs.join(",")]] });
    expect(res.json.runs).toHaveLength(10);
    const outcomes = new Set<string>();
    for (const run of res.json.runs) {
      outcomes.add(run.workflowState);
      const record = emu.resumed.find((r) => r.workflowRunId === run.workflowRunId);
      expect(record).toBeDefined();
      if (record?.refailedAs) {
        expect(run).toMatchObject({ workflowState: "RUN_FAILED", dlqId: record.refailedAs });
        expect(failedStepOf(run)?.state).toBe("STEP_FAILED");
      } else {
        expect(run.workflowState).toBe("RUN_SUCCESS");
        expect(groupsOf(run).every((group) => group.type !== "next")).toBe(true);
      }
    }
    expect([...outcomes].sort()).toEqual(["RUN_FAILED", "RUN_SUCCESS"]);
  });
});
