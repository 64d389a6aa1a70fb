import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FIXED_NOW, SEED_OPTIONS, seededMessages } from "../support/data.js";
import { type Fixture, resumeData, startFixture, textOf } from "../support/harness.js";

const ids = seededMessages().map((message) => message.dlqId);

describe("a server-wide run cap", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture(SEED_OPTIONS, { args: ["--max-runs-per-call", "30"] });
  });
  afterAll(() => fixture.close());
  beforeEach(() => {
    fixture.emulator.reset(SEED_OPTIONS);
    fixture.emulator.clearRequests();
  });

  it("clamps the last request's count so the cap is never exceeded, and returns a cursor", async () => {
    const data = resumeData(await fixture.call("dlq_resume_all", { count: 20, maxPages: 10 }));
    expect(data).toMatchObject({ resumed: 30, pages: 2, stopReason: "maxRuns", complete: false });
    expect(data.cursor).toBeTruthy();
    const resumes = fixture.emulator.requests.filter((request) => request.method === "POST");
    expect(resumes.map((request) => new Map(request.query).get("count"))).toEqual(["20", "10"]);
    expect(fixture.emulator.resumed).toHaveLength(30);
  });

  it("applies to id lists too", async () => {
    const result = await fixture.call("dlq_resume", { dlqIds: ids.slice(0, 70) });
    const data = resumeData(result);
    expect(data).toMatchObject({ resumed: 30, stopReason: "maxRuns" });
    expect(textOf(result)).toMatch(/stopping at the server's run cap per call/);
    const next = resumeData(
      await fixture.call("dlq_resume", { dlqIds: ids.slice(0, 70), cursor: data.cursor }),
    );
    expect(next.resumed).toBe(30);
    expect(new Set(fixture.emulator.resumed.map((record) => record.dlqId)).size).toBe(60);
  });
});

describe("the run cap from the environment", () => {
  it("is read from WORKFLOW_DLQ_MCP_MAX_RUNS_PER_CALL", async () => {
    const fixture = await startFixture(SEED_OPTIONS, { env: { WORKFLOW_DLQ_MCP_MAX_RUNS_PER_CALL: "7" } });
    try {
      const data = resumeData(await fixture.call("dlq_resume_all", {}));
      expect(data).toMatchObject({ resumed: 7, stopReason: "maxRuns" });
    } finally {
      await fixture.close();
    }
  });
});

describe("the call deadline", () => {
  it("stops a long call with stopReason deadline and a cursor that continues it", async () => {
    const options = { entries: 400, seed: 5, now: FIXED_NOW, latencyMs: 150 };
    const fixture = await startFixture(options, { args: ["--deadline", "0.5"] });
    try {
      const data = resumeData(await fixture.call("dlq_resume_all", { count: 50, maxPages: 100 }));
      expect(data).toMatchObject({ stopReason: "deadline", complete: false });
      expect(data.resumed).toBeGreaterThan(0);
      expect(data.resumed).toBeLessThan(400);
      expect(data.cursor).toBeTruthy();
      expect(fixture.emulator.resumed).toHaveLength(data.resumed);
    } finally {
      await fixture.close();
    }
  });
});

describe("a request still in flight at the deadline", () => {
  it("is cut off shortly after it, and the result says runs may have been resumed unseen", async () => {
    const fixture = await startFixture(SEED_OPTIONS, { args: ["--deadline", "0.5"] });
    try {
      fixture.emulator.inject({
        kind: "slow",
        delayMs: 10_000,
        match: (request) => request.path.endsWith("/resume"),
      });
      const started = Date.now();
      const data = resumeData(await fixture.call("dlq_resume_all", { count: 50 }));
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(data).toMatchObject({ stopReason: "deadline", resumed: 0, unreportedPossible: true });
      expect(data.cursor).toBeTruthy();
    } finally {
      await fixture.close();
    }
  });
});

describe("a server that repeats its cursor", () => {
  it("is detected and stops the loop with a clear error, keeping what was resumed", async () => {
    const fixture = await startFixture(SEED_OPTIONS);
    try {
      fixture.emulator.inject({
        kind: "repeat-cursor",
        after: 1,
        times: Number.POSITIVE_INFINITY,
        match: (request) => request.method === "POST",
      });
      const result = await fixture.call("dlq_resume_all", { count: 10, maxPages: 50 });
      const data = resumeData(result);
      expect(data.stopReason).toBe("error");
      expect(data.error?.message).toMatch(/returned a cursor it had already returned/);
      expect(data.pages).toBeLessThanOrEqual(3);
      expect(data.resumed).toBe(fixture.emulator.resumed.length);
    } finally {
      await fixture.close();
    }
  });
});

describe("a call without maxPages", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture({ entries: 1_500, seed: 5, now: FIXED_NOW });
  });
  afterAll(() => fixture.close());

  it("is bounded by its deadline and its size, not by a page count: 1,500 entries in one call", async () => {
    const data = resumeData(await fixture.call("dlq_resume_all", {}));
    expect(data).toMatchObject({ resumed: 1_500, stopReason: "done", complete: true });
    expect(data.pages).toBeGreaterThan(10);
    expect(data.workflowRunsTruncated).toBe(true);
    // Every run is in the resource the result links, whatever the result itself lists.
    const resource = await fixture.client.readResource({ uri: data.workflowRunsResource as string });
    const text = (resource.contents[0] as { text: string }).text;
    expect((JSON.parse(text) as { workflowRuns: unknown[] }).workflowRuns).toHaveLength(1_500);
    expect(fixture.emulator.store.size).toBe(0);
  });
});
