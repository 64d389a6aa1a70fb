import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXED_NOW } from "../support/data.js";
import { type Fixture, type ResumeStructured, resumeData, startFixture } from "../support/harness.js";

const ENTRIES = 600;

describe("cancellation", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture({ entries: ENTRIES, seed: 3, now: FIXED_NOW, latencyMs: 120 });
  });
  afterAll(() => fixture.close());

  it("stops mid-run, reports what was resumed, and the cursor finishes the job without resuming anything twice", async () => {
    const logged: { message: string; result?: ResumeStructured; report?: string }[] = [];
    // A client that only wants errors still hears of a cancelled call that changed the DLQ.
    await fixture.client.onLog("error", (params) => {
      logged.push(params.data as { message: string; result?: ResumeStructured; report?: string });
    });
    const controller = new AbortController();
    const call = fixture.client.callTool(
      { name: "dlq_resume_all", arguments: { count: 50, maxPages: 100 } },
      { signal: controller.signal },
    );
    await waitFor(() => fixture.emulator.resumed.length >= 100);
    controller.abort();
    await expect(call).rejects.toThrow();

    await waitFor(() => logged.some((entry) => entry.result?.stopReason === "cancelled"));
    const entry = logged.find((line) => line.result?.stopReason === "cancelled");
    const report = entry?.result as ResumeStructured;
    // The whole report is also a resource of the session, whatever the log level lets through.
    const kept = await fixture.client.readResource({ uri: entry?.report as string });
    const whole = JSON.parse((kept.contents[0] as { text: string }).text) as { workflowRuns: unknown[] };
    expect(whole.workflowRuns).toHaveLength(report.resumed);
    expect(report.resumed).toBeGreaterThanOrEqual(100);
    expect(report.resumed).toBeLessThan(ENTRIES);
    expect(report.cursor).toBeTruthy();

    // Let the request that was in flight at cancellation land before comparing with the server.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const serverSide = new Set(fixture.emulator.resumed.map((record) => record.workflowRunId));
    for (const run of report.workflowRuns) expect(serverSide.has(run.workflowRunId)).toBe(true);
    if (serverSide.size !== report.resumed) expect(report.unreportedPossible).toBe(true);

    const rest = resumeData(
      await fixture.call("dlq_resume_all", { count: 50, maxPages: 100, cursor: report.cursor }),
    );
    expect(rest).toMatchObject({ complete: true, stopReason: "done" });
    const dlqIds = fixture.emulator.resumed.map((record) => record.dlqId);
    expect(dlqIds).toHaveLength(ENTRIES);
    expect(new Set(dlqIds).size).toBe(ENTRIES);
    expect(fixture.emulator.store.size).toBe(0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
