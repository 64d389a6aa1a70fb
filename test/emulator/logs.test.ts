/**
 * The logs endpoint in the published shape: a failed run's steps grouped, the failing step once
 * per attempt, the failure function's state and response, bodies cut by `trimBody`, and resumed
 * runs found by `workflowRuns` pairs.
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
const stepsOf = (run: Json) => run.steps.flatMap((group: { steps: unknown[] }) => group.steps);

describe("GET /v2/workflows/logs", () => {
  it("serves a DLQ entry's run with one step record per attempt, the last one failed, and its failure function", async () => {
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
    for (const group of run.steps) expect(["sequential", "parallel", "next"]).toContain(group.type);
    const attempts = stepsOf(run).filter((step: { stepId: number }) => step.stepId === 2);
    expect(attempts.map((step: { state: string }) => step.state)).toEqual([
      "STEP_RETRY",
      "STEP_RETRY",
      "STEP_FAILED",
    ]);
    for (const attempt of attempts) {
      expect(attempt).toMatchObject({
        stepType: "Call",
        callUrl: "https://payments.example.com/v1/charges",
        callResponseStatus: 503,
        callResponseBody: "no healthy upstream — ünïcödé",
      });
      expect(attempt.createdAt).toBeLessThanOrEqual(failing.createdAt);
      expect(attempt.createdAt).toBeGreaterThanOrEqual(failing.workflowCreatedAt as number);
    }
    const times = attempts.map((step: { createdAt: number }) => step.createdAt);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(run.failureFunction).toMatchObject({
      url: "https://api.acme-shop.example/api/workflows/failures",
      state: "CALLBACK_FAIL",
      failStatus: 503,
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
    for (const step of stepsOf(nth<Json>(res.json.runs, 0)).filter(
      (s: { stepId: number }) => s.stepId === 2,
    )) {
      expect(Buffer.byteLength(step.callResponseBody)).toBeLessThanOrEqual(24);
      expect(step.callResponseBody.startsWith("no healthy upstream")).toBe(true);
      expect(step.callResponseBody).not.toContain("\uFFFD");
    }
    const bad = await call(emu, "GET", LOGS, { query: [["trimBody", "ten"]] });
    expect(bad.status).toBe(400);
  });

  it("finds a resumed run by its workflowRuns pair, succeeded or failed again with its new dlqId", async () => {
    emu = await startEmulator({
      token: TOKEN,
      now: NOW,
      messages: [failing, message()],
      refail: { share: 0.5, seed: 3 },
    });
    const resumed = await call(emu, "POST", "/v2/workflows/dlq/resume", {
      query: [
        ["dlqIds", "dlq_logs_1"],
        ["dlqIds", emu.store.list()[1]?.dlqId as string],
      ],
    });
    expect(resumed.status).toBe(200);
    const pairs = resumed.json.workflowRuns.map(
      (run: { workflowRunId: string; workflowCreatedAt: number }) =>
        `${run.workflowRunId}@${run.workflowCreatedAt}`,
    );
    const res = await call(emu, "GET", LOGS, { query: [["workflowRuns", pairs.join(",")]] });
    expect(res.json.runs).toHaveLength(2);
    for (const run of res.json.runs) {
      const record = emu.resumed.find((r) => r.workflowRunId === run.workflowRunId);
      expect(record).toBeDefined();
      if (record?.refailedAs) {
        expect(run).toMatchObject({ workflowState: "RUN_FAILED", dlqId: record.refailedAs });
        expect(stepsOf(run).at(-1).state).toBe("STEP_FAILED");
      } else {
        expect(run.workflowState).toBe("RUN_SUCCESS");
        expect(stepsOf(run).every((step: { state: string }) => step.state === "STEP_SUCCESS")).toBe(true);
      }
    }
  });
});
