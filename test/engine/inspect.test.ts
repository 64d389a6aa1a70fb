/**
 * Inspecting entries against scripted QStash answers: a cancelled call sends nothing more, and
 * both published shapes of a failed step's attempts are read, as are logs with odd steps.
 */
import { afterEach, describe, expect, it } from "vitest";
import { inspectEntries } from "../../src/engine/inspect.js";
import { parseLogsBody } from "../../src/qstash/parse-logs.js";
import { type Engine, engineFor, json, scriptedServer } from "../support/engine.js";

const TOKEN = "engine_token_81ce";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const entry = (dlqId: string) => ({
  dlqId,
  workflowRunId: `wfr_${dlqId}`,
  workflowCreatedAt: 1_700_000_000_000,
  createdAt: 1_700_000_100_000,
  responseStatus: 503,
});

async function scripted(seen: string[]): Promise<Engine> {
  const server = await scriptedServer(({ path, query }, res) => {
    seen.push(`${path}?${query}`);
    if (path.startsWith("/v2/workflows/dlq/")) json(res, 200, entry(path.split("/").at(-1) as string));
    else json(res, 200, { runs: [] });
  });
  const engine = engineFor(server.url, TOKEN);
  cleanups.push(
    () => server.close(),
    () => engine.close(),
  );
  return engine;
}

describe("inspecting entries", () => {
  it("sends nothing once the call is cancelled, and names every id it did not read", async () => {
    const seen: string[] = [];
    const engine = await scripted(seen);
    const cancel = new AbortController();
    cancel.abort();
    const scope = engine.scope({ signal: cancel.signal });
    const ids = ["dlq_a", "dlq_b", "dlq_c"];
    const outcome = await inspectEntries(ids, scope, 300);
    scope.dispose();
    expect(seen).toEqual([]);
    expect(outcome.failed.map(({ dlqId }) => dlqId)).toEqual(ids);
    expect(outcome.entries).toEqual([]);
  });

  it("reads each entry once, however often it is named, then all their runs in one logs request", async () => {
    const seen: string[] = [];
    const engine = await scripted(seen);
    const scope = engine.scope();
    const outcome = await inspectEntries(["dlq_a", "dlq_b", "dlq_a"], scope, 300);
    scope.dispose();
    expect(seen.filter((request) => request.startsWith("/v2/workflows/dlq/"))).toHaveLength(2);
    const logs = seen.filter((request) => request.startsWith("/v2/workflows/logs"));
    expect(logs).toHaveLength(1);
    const query = new URLSearchParams(logs[0]?.split("?")[1]);
    expect(query.get("workflowRuns")).toBe("wfr_dlq_a@1700000000000,wfr_dlq_b@1700000000000");
    expect(query.get("trimBody")).toBe("300");
    expect(outcome.entries.map(({ message }) => message.dlqId)).toEqual(["dlq_a", "dlq_b"]);
  });
});

describe("a failed step's attempts, as the logs give them", () => {
  const run = (steps: unknown) =>
    parseLogsBody({ runs: [{ workflowRunId: "wfr_1", workflowState: "RUN_FAILED", steps }] }, "logs").runs[0];

  it("reads the next group's errors, one per attempt, the last one the failure", () => {
    const parsed = run([
      {
        type: "sequential",
        steps: [{ stepId: 0, stepName: "init", stepType: "Initial", state: "STEP_SUCCESS" }],
      },
      {
        type: "next",
        steps: [
          {
            messageId: "msg_1",
            stepName: "charge",
            state: "STEP_FAILED",
            retries: 2,
            errors: [
              { error: "failed", status: 503, body: "a", time: 1 },
              { error: "failed", status: 503, body: "b", time: 2 },
              { error: "failed", status: 502, body: "c", time: 3 },
            ],
          },
        ],
      },
    ]);
    expect(
      parsed?.attempts.map((attempt) => [attempt.state, attempt.status, attempt.body, attempt.at]),
    ).toEqual([
      ["STEP_RETRY", 503, "a", 1],
      ["STEP_RETRY", 503, "b", 2],
      ["STEP_FAILED", 502, "c", 3],
    ]);
    expect(parsed?.failedStep).toEqual({ name: "charge", status: 502 });
    expect(parsed?.steps.map((step) => step.name)).toEqual(["init", "charge"]);
  });

  it("reads attempts recorded as steps of their own that share a stepId", () => {
    const attempt = (state: string, status: number) => ({
      stepId: 3,
      stepName: "charge",
      stepType: "Call",
      state,
      callResponseStatus: status,
      callUrl: "https://pay.example/charge",
    });
    const parsed = run([
      {
        type: "sequential",
        steps: [attempt("STEP_RETRY", 503), attempt("STEP_RETRY", 503), attempt("STEP_FAILED", 504)],
      },
    ]);
    expect(parsed?.attempts.map((a) => a.state)).toEqual(["STEP_RETRY", "STEP_RETRY", "STEP_FAILED"]);
    expect(parsed?.failedStep).toEqual({
      name: "charge",
      type: "Call",
      url: "https://pay.example/charge",
      status: 504,
    });
    expect(parsed?.steps).toHaveLength(1);
  });

  it("keeps steps with a null stepId apart, and takes odd groups without failing", () => {
    const parsed = run([
      {
        type: "sequential",
        steps: [{ stepId: null, messageId: "m1", stepName: "a", state: "STEP_SUCCESS" }],
      },
      {
        type: "sequential",
        steps: [{ stepId: null, messageId: "m2", stepName: "b", state: "STEP_SUCCESS" }],
      },
      { type: "parallel", steps: "not a list" },
      null,
      { type: "next", steps: [null, { state: "STEP_FAILED", errors: [null, { status: 500 }] }] },
    ]);
    expect(parsed?.steps.map((step) => step.name)).toEqual(["a", "b", undefined]);
    expect(parsed?.attempts).toEqual([{ state: "STEP_FAILED", status: 500 }]);
  });

  it("orders attempts by time, and counts only retried and failed records as attempts", () => {
    const parsed = run([
      {
        type: "next",
        steps: [
          {
            stepName: "charge",
            state: "STEP_FAILED",
            errors: [
              { status: 502, time: 3 },
              { status: 503, time: 1 },
              { status: 504, time: 2 },
            ],
          },
        ],
      },
    ]);
    expect(parsed?.attempts.map((a) => [a.status, a.state])).toEqual([
      [503, "STEP_RETRY"],
      [504, "STEP_RETRY"],
      [502, "STEP_FAILED"],
    ]);
    const records = run([
      {
        type: "sequential",
        steps: [
          { stepId: 4, stepName: "charge", state: "STEP_PROGRESS" },
          { stepId: 4, stepName: "charge", state: "STEP_RETRY", callResponseStatus: 503 },
          { stepId: 4, stepName: "charge", state: "STEP_FAILED", callResponseStatus: 503 },
        ],
      },
    ]);
    expect(records?.attempts.map((a) => a.state)).toEqual(["STEP_RETRY", "STEP_FAILED"]);
  });

  it("takes a failure function's answer from its errors only when it failed", () => {
    const body = (state: string) =>
      parseLogsBody(
        {
          runs: [
            {
              workflowRunId: "wfr_1",
              workflowState: "RUN_FAILED",
              steps: [],
              failureFunction: {
                url: "https://x.example/f",
                state,
                errors: [{ status: 500, body: "boom", time: 1 }],
              },
            },
          ],
        },
        "logs",
      ).runs[0]?.failureFunction;
    expect(body("CALLBACK_FAIL")).toEqual({
      state: "CALLBACK_FAIL",
      url: "https://x.example/f",
      status: 500,
      body: "boom",
    });
    expect(body("CALLBACK_SUCCESS")).toEqual({ state: "CALLBACK_SUCCESS", url: "https://x.example/f" });
  });
});
