/**
 * workflow_runs: "did the redrive work?" in one call. The emulator runs what it resumed at the
 * key's pace; once the waitlist has drained, the runs a resume result listed (or the label it
 * tagged them with) come back as counts by state and the runs that failed again, with the step.
 */
import { describe, expect, it } from "vitest";
import type { DlqMessage } from "../../../src/wire/types.js";
import { FIXED_NOW } from "../../support/data.js";
import { textOf, useFixture } from "../../support/harness.js";

interface Outcome {
  runs: number;
  counts: Record<string, number>;
  failedAgain: {
    workflowRunId: string;
    dlqId?: string;
    failedStep?: { name?: string; status?: number; url?: string };
  }[];
  complete: boolean;
  cursor?: string;
}

const messages: DlqMessage[] = Array.from({ length: 30 }, (_, i) => ({
  dlqId: `dlq_outcome${String(i).padStart(3, "0")}`,
  workflowRunId: `wfr_outcome${i}`,
  workflowUrl: "https://api.acme-shop.example/api/workflows/orders",
  workflowCreatedAt: FIXED_NOW - 100_000 + i,
  url: "https://api.acme-shop.example/api/workflows/orders",
  createdAt: FIXED_NOW - 50_000 + i,
  responseStatus: i < 10 ? 422 : 503,
  responseBody: i < 10 ? '{"message":"order already fulfilled"}' : "Service Unavailable",
}));

describe("workflow_runs after a paced redrive", () => {
  const fixture = useFixture({ messages, delivery: { speedUp: 5, runMs: 100 } });

  it("counts the runs a resume listed by state, and names those that failed again with their step", async () => {
    const resumed = await fixture.call("dlq_resume", {
      dlqIds: messages.map((m) => m.dlqId),
      // Five runs every emulated second (a fifth of a real one): thirty take over a second, so the
      // first look finds some still to run however slow the machine is to make it.
      flowControl: { key: "incident-1-redrive", rate: 5, period: "1s" },
      label: "incident-1",
    });
    const workflowRuns = (resumed.structuredContent as { workflowRuns: unknown[] }).workflowRuns;
    expect(workflowRuns).toHaveLength(30);
    const early = await fixture.call("workflow_runs", { workflowRuns });
    expect((early.structuredContent as unknown as Outcome).counts.RUN_STARTED).toBeGreaterThan(0);

    const started = Date.now();
    let outcome: Outcome;
    do {
      await new Promise((resolve) => setTimeout(resolve, 50));
      outcome = (await fixture.call("workflow_runs", { workflowRuns }))
        .structuredContent as unknown as Outcome;
    } while (outcome.counts.RUN_STARTED !== 0 && Date.now() - started < 8_000);
    expect(outcome.runs).toBe(30);
    expect((outcome.counts.RUN_SUCCESS ?? 0) + (outcome.counts.RUN_FAILED ?? 0)).toBe(30);
    expect(outcome.complete).toBe(true);
    const inDlq = new Set(fixture.emulator.store.list().map((m) => m.dlqId));
    expect(outcome.failedAgain).toHaveLength(outcome.counts.RUN_FAILED as number);
    for (const run of outcome.failedAgain) {
      expect(inDlq.has(run.dlqId as string)).toBe(true);
      // The step a run failed at is named in the logs; its URL is the DLQ entry's.
      expect(run.failedStep?.name).toMatch(/^[a-z-]+$/);
      expect(fixture.emulator.store.get(run.dlqId as string)?.url).toBe(
        "https://api.acme-shop.example/api/workflows/orders",
      );
    }
    // The 422s mostly fail again: an order already fulfilled stays so.
    expect(outcome.failedAgain.some((run) => run.failedStep?.status === 422)).toBe(true);

    const byLabel = await fixture.call("workflow_runs", { label: "incident-1" });
    expect((byLabel.structuredContent as unknown as Outcome).runs).toBe(30);
    expect(textOf(byLabel)).toMatch(/^30 runs: /);
  });

  it.each([
    [{}, /Pass workflowRuns \(from a resume result\) or a filter/],
    [{ workflowRuns: [{ workflowRunId: "wfr_a", workflowCreatedAt: 1 }], label: "x" }, /not both/],
    [{ state: "DONE" }, /state must be one of RUN_STARTED/],
  ])("refuses %j, sending nothing", async (args, message) => {
    const result = await fixture.call("workflow_runs", args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect(fixture.emulator.requests).toEqual([]);
  });
});

describe("runs as QStash reports them", () => {
  const stringTime = {
    dlqId: "dlq_string_time",
    workflowRunId: "wfr_string_time",
    workflowUrl: "https://api.acme-shop.example/api/workflows/orders",
    // `@upstash/workflow` types a run's creation time as a string; the OpenAPI as int64.
    workflowCreatedAt: String(FIXED_NOW - 200_000),
    url: "https://api.acme-shop.example/api/workflows/orders",
    createdAt: FIXED_NOW - 100_000,
    responseStatus: 500,
  } as unknown as DlqMessage;
  const fixture = useFixture({ messages: [...messages.slice(0, 3), stringTime] });

  it("finds no run: an answer QStash leaves empty is zero runs, not an error", async () => {
    const result = await fixture.call("workflow_runs", { label: "no-such-label" });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ runs: 0, complete: true });
  });

  it("lists an entry whose run time is a string with that time as a number, which workflow_runs takes", async () => {
    const listed = await fixture.call("dlq_list", {});
    expect(listed.isError).toBeFalsy();
    const entry = (listed.structuredContent as { messages: Record<string, unknown>[] }).messages.find(
      (m) => m.dlqId === "dlq_string_time",
    );
    expect(entry?.workflowCreatedAt).toBe(FIXED_NOW - 200_000);
    const outcome = await fixture.call("workflow_runs", {
      workflowRuns: [{ workflowRunId: "wfr_string_time", workflowCreatedAt: entry?.workflowCreatedAt }],
    });
    expect(outcome.isError).toBeFalsy();
    expect(outcome.structuredContent).toMatchObject({
      runs: 1,
      counts: { RUN_FAILED: 1 },
      failedAgain: [{ workflowRunId: "wfr_string_time", workflowCreatedAt: FIXED_NOW - 200_000 }],
    });
  });
});
