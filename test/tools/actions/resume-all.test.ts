import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_OPTIONS, seededMessages, sortedIds } from "../../support/data.js";
import { type Fixture, resumeData, startFixture } from "../../support/harness.js";

describe("dlq_resume_all", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture(SEED_OPTIONS);
  });
  afterAll(() => fixture.close());

  it("empties the DLQ in bounded calls continued by cursor, resuming every entry exactly once", async () => {
    const expected = seededMessages().map((message) => message.workflowRunId as string);
    const runIds: string[] = [];
    let cursor: string | undefined;
    let calls = 0;
    do {
      const data = resumeData(
        await fixture.call("dlq_resume_all", { maxPages: 1, count: 50, ...(cursor ? { cursor } : {}) }),
      );
      calls += 1;
      expect(data.pages).toBe(1);
      expect(data.resumed).toBeLessThanOrEqual(50);
      runIds.push(...data.workflowRuns.map((run) => run.workflowRunId));
      cursor = data.cursor;
      if (cursor === undefined) expect(data).toMatchObject({ complete: true, stopReason: "done" });
      else expect(data).toMatchObject({ complete: false, stopReason: "maxPages" });
    } while (cursor !== undefined && calls < 10);
    expect(calls).toBe(Math.ceil(expected.length / 50));
    // Each resumed run has a new id; the emulator's records map it back to the entry's run.
    const { resumed } = fixture.emulator;
    expect(sortedIds(runIds)).toEqual(sortedIds(resumed.map((record) => record.workflowRunId)));
    expect(sortedIds(resumed.map((record) => record.originalWorkflowRunId))).toEqual(sortedIds(expected));
    expect(fixture.emulator.store.size).toBe(0);
  });

  it("sends count and cursor like the official client's all mode, bounded by the snapshot it read first", async () => {
    fixture.emulator.reset(SEED_OPTIONS);
    fixture.emulator.clearRequests();
    const data = resumeData(await fixture.call("dlq_resume_all", { maxPages: 2 }));
    const [probe, firstRequest, secondRequest] = fixture.emulator.requests;
    expect(probe).toMatchObject({ method: "GET", query: [["count", "1"]] });
    const snapshot = String(Date.parse(data.snapshot as string));
    expect(firstRequest?.query).toEqual([
      ["toDate", snapshot],
      ["count", "100"],
    ]);
    expect(secondRequest?.query.map(([key]) => key).sort()).toEqual(["count", "cursor", "toDate"]);
  });
});
