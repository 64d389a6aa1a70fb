/**
 * A whole redrive over stateless Streamable HTTP, as a shared deployment serves it: why the runs
 * failed, a paced resume under a dedicated key and label, the waitlist watched, paused and let go
 * by requests that each reach a fresh server, and the outcome checked in the logs.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { connectHttp, type McpTestClient } from "../support/clients.js";
import { FIXED_NOW } from "../support/data.js";
import { TEST_TOKEN, textOf } from "../support/harness.js";
import { type HttpServerProcess, startHttpServer } from "../support/http-server.js";
import { until } from "../support/wait.js";

const KEY = "redrive-http-1";
const LABEL = "incident-http-1";

describe("a redrive over Streamable HTTP", () => {
  let emulator: Emulator;
  let server: HttpServerProcess;
  let client: McpTestClient;
  beforeAll(async () => {
    // One emulated second lasts 50 ms; a run takes 200 emulated ms.
    emulator = await startEmulator({
      token: TEST_TOKEN,
      entries: 80,
      seed: 5,
      now: FIXED_NOW,
      refail: { share: 0.3, seed: 2 },
      delivery: { speedUp: 20, runMs: 200 },
    });
    server = await startHttpServer([], { QSTASH_URL: emulator.url, QSTASH_TOKEN: TEST_TOKEN });
    client = await connectHttp(server.url);
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await emulator?.close();
  });

  const call = async (name: string, args: Record<string, unknown>) => {
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    expect(result.isError, textOf(result)).toBeFalsy();
    return result.structuredContent as Record<string, unknown>;
  };
  const waiting = async () => {
    const { keys } = (await call("flow_control_status", { key: KEY })) as {
      keys: { waitlistSize: number; paused?: boolean }[];
    };
    return keys[0] as { waitlistSize: number; paused?: boolean };
  };

  it("inspects, resumes at a pace, is watched, paused and let go, and its outcome is in the logs", async () => {
    const retryable = emulator.store
      .list()
      .filter((message) => (message.responseStatus ?? 0) >= 500)
      .map((message) => message.dlqId);
    expect(retryable.length).toBeGreaterThan(20);

    const inspected = (await call("dlq_inspect", { dlqIds: retryable.slice(0, 3) })) as {
      entries: { run?: { attempts: { state?: string }[] } }[];
    };
    expect(inspected.entries).toHaveLength(3);
    for (const entry of inspected.entries) expect(entry.run?.attempts.at(-1)?.state).toBe("STEP_FAILED");

    const resumed = (await call("dlq_resume", {
      dlqIds: retryable,
      flowControl: { key: KEY, rate: 4, period: "1s" },
      label: LABEL,
    })) as {
      resumed: number;
      workflowRuns: { dlqId?: string; workflowRunId: string; workflowCreatedAt: number }[];
    };
    expect(resumed.resumed).toBe(retryable.length);
    expect(new Set(resumed.workflowRuns.map((run) => run.workflowRunId))).toEqual(
      new Set(emulator.resumed.map((record) => record.workflowRunId)),
    );

    expect((await waiting()).waitlistSize).toBeGreaterThan(0);
    await call("flow_control_update", { key: KEY, action: "pause" });
    const held = await waiting();
    expect(held.paused).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await waiting()).waitlistSize).toBe(held.waitlistSize);
    expect(held.waitlistSize).toBeGreaterThan(0);

    await call("flow_control_update", { key: KEY, action: "resume" });
    await until(async () => (await waiting()).waitlistSize === 0);

    type Outcome = {
      runs: number;
      counts: Record<string, number>;
      failedAgain: { workflowRunId: string; dlqId?: string }[];
    };
    let outcome: Outcome = { runs: 0, counts: {}, failedAgain: [] };
    await until(async () => {
      outcome = (await call("workflow_runs", { label: LABEL })) as Outcome;
      return outcome.runs === retryable.length && !outcome.counts.RUN_STARTED;
    });
    expect((outcome.counts.RUN_SUCCESS ?? 0) + (outcome.counts.RUN_FAILED ?? 0)).toBe(retryable.length);
    expect(outcome.counts.RUN_FAILED).toBeGreaterThan(0);
    // A run that failed again is back in the DLQ under the dlqId the outcome names.
    for (const failed of outcome.failedAgain) {
      expect(emulator.store.get(failed.dlqId as string)?.workflowRunId).toBe(failed.workflowRunId);
    }
    const byRuns = (await call("workflow_runs", {
      workflowRuns: resumed.workflowRuns,
    })) as Outcome;
    expect(byRuns.counts).toEqual(outcome.counts);
  });
});
