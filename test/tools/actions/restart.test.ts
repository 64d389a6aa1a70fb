/**
 * dlq_restart: the resume engine on the restart endpoint. The runs start over from their first
 * step; the result speaks of restarted runs; selection, paging, cursors and dry runs behave as
 * resume's do.
 */
import { describe, expect, it } from "vitest";
import { FIXED_NOW } from "../../support/data.js";
import { textOf, useFixture } from "../../support/harness.js";

interface RestartResult {
  mode: string;
  workflowRuns: { workflowRunId: string }[];
  restarted: number;
  resumed?: number;
  complete: boolean;
  cursor?: string;
  stopReason: string;
  notFound?: string[];
  preview?: { matched: number };
}

const data = (result: { structuredContent?: unknown }) => result.structuredContent as RestartResult;

describe("dlq_restart", () => {
  const fixture = useFixture({ entries: 150, seed: 9, now: FIXED_NOW });

  it("restarts a list of ids, reports them as restarted, and names an id that is not there", async () => {
    // 100 ids, so the missing one is alone in its request (50 a request) and its 404 says just that.
    const ids = fixture.emulator.store
      .list()
      .slice(0, 100)
      .map((message) => message.dlqId);
    const result = await fixture.call("dlq_restart", { dlqIds: [...ids, "dlq_not_there"] });
    expect(result.isError).toBeFalsy();
    expect(data(result)).toMatchObject({
      mode: "ids",
      restarted: 100,
      complete: true,
      notFound: ["dlq_not_there"],
    });
    expect(data(result).resumed).toBeUndefined();
    expect(textOf(result)).toMatch(/^Restarted 100 runs in /);
    expect(fixture.emulator.resumed).toHaveLength(100);
    expect(fixture.emulator.resumed.every((record) => record.action === "restart")).toBe(true);
    expect(new Set(data(result).workflowRuns.map((run) => run.workflowRunId))).toEqual(
      new Set(fixture.emulator.resumed.map((record) => record.workflowRunId)),
    );
    expect(fixture.emulator.requests.filter((r) => r.path === "/v2/workflows/dlq/resume")).toEqual([]);
  });

  it("restarts every entry with all: true, continued by cursor, nothing twice", async () => {
    const restarted: string[] = [];
    let cursor: string | undefined;
    for (let calls = 0; calls < 10; calls++) {
      const result = await fixture.call("dlq_restart", {
        all: true,
        count: 50,
        maxPages: 1,
        ...(cursor ? { cursor } : {}),
      });
      restarted.push(...data(result).workflowRuns.map((run) => run.workflowRunId));
      cursor = data(result).cursor;
      if (!cursor) break;
    }
    expect(restarted).toHaveLength(150);
    expect(new Set(restarted).size).toBe(150);
    expect(fixture.emulator.store.size).toBe(0);
  });

  it("previews a filter with dryRun and restarts nothing", async () => {
    const label = fixture.emulator.store.list().find((message) => message.label)?.label as string;
    const matching = fixture.emulator.store.list({ label: [label] }).length;
    const result = await fixture.call("dlq_restart", { filter: { label }, dryRun: true });
    expect(textOf(result)).toMatch(/^Dry run, nothing restarted: /);
    expect(data(result).preview?.matched).toBe(matching);
    expect(fixture.emulator.resumed).toEqual([]);
  });

  it.each([
    [{ dlqIds: ["dlq_a"], all: true }, /exactly one of dlqIds, filter and all/],
    [{}, /Pass dlqIds .*, filter .* or all: true to dlq_restart/],
    [{ all: false }, /all must be true/],
    [{ all: true, dlqIds: ["dlq_a"], count: 5 }, /exactly one of/],
  ])("refuses %j with a tool error that names the fix, sending nothing", async (args, message) => {
    const result = await fixture.call("dlq_restart", args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect(fixture.emulator.requests).toEqual([]);
  });

  it("takes no cursor of dlq_resume: a cursor is bound to its tool", async () => {
    const resumed = await fixture.call("dlq_resume_all", { count: 10, maxPages: 1 });
    const cursor = (resumed.structuredContent as { cursor: string }).cursor;
    const result = await fixture.call("dlq_restart", { all: true, count: 10, cursor });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/cursor/);
  });
});

describe("dlq_restart when an answer is lost", () => {
  const fixture = useFixture({ entries: 120, seed: 9, now: FIXED_NOW });

  it("reports the ids that left the DLQ as probably restarted, in its own words", async () => {
    const ids = fixture.emulator.store
      .list()
      .slice(0, 10)
      .map((message) => message.dlqId);
    fixture.emulator.inject({ kind: "reset-after", match: (r) => r.path === "/v2/workflows/dlq/restart" });
    const result = await fixture.call("dlq_restart", { dlqIds: ids });
    const report = result.structuredContent as { probablyRestarted?: string[]; probablyResumed?: unknown };
    expect(report.probablyRestarted?.sort()).toEqual([...ids].sort());
    expect(report.probablyResumed).toBeUndefined();
    expect(textOf(result)).toMatch(/most likely restarted by it/);
    expect(fixture.emulator.resumed.every((record) => record.action === "restart")).toBe(true);
  });
});

describe("a dlq_restart report too long to show inline", () => {
  const fixture = useFixture({ entries: 120, seed: 9, now: FIXED_NOW }, { args: ["--inline-runs", "20"] });

  it("is kept whole as a resource, in restart's words", async () => {
    const result = await fixture.call("dlq_restart", { all: true, count: 50, maxPages: 2 });
    const shown = result.structuredContent as { restarted: number; workflowRunsResource?: string };
    expect(shown.restarted).toBe(100);
    const read = await fixture.client.readResource({ uri: shown.workflowRunsResource as string });
    const whole = JSON.parse((read.contents[0] as { text: string }).text) as Record<string, unknown>;
    expect(whole.workflowRuns).toHaveLength(100);
    expect(Object.keys(whole)).toContain("probablyRestarted");
    expect(Object.keys(whole)).not.toContain("probablyResumed");
  });
});
